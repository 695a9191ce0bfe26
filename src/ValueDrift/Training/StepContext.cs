using TorchSharp;
using TorchSharp.Modules;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// What the <see cref="TrainingLoop"/> lends one step: its data order, its learning rate, and the one way weights
/// change — <see cref="Update()"/> (clip, then AdamW). Keeping clipping and the update here means every algorithm is
/// clipped and scheduled the same way, and a step cannot forget either.
/// </summary>
public sealed class StepContext
{
    private readonly optim.Optimizer _optimizer;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Models.MasterWeights? _masters;

    internal StepContext(TrainerOptions options, BatchSampler sampler, optim.Optimizer optimizer, IReadOnlyList<Parameter> parameters, double learningRate,
        Models.MasterWeights? masters = null)
    {
        Options = options; Sampler = sampler; _optimizer = optimizer; _parameters = parameters; LearningRate = learningRate; _masters = masters;
        foreach (var g in optimizer.ParamGroups) g.LearningRate = learningRate;
    }

    public TrainerOptions Options { get; }
    public BatchSampler Sampler { get; }
    /// <summary>This step's scheduled learning rate (already set on the optimizer).</summary>
    public double LearningRate { get; }

    public void ZeroGrad()
    {
        _optimizer.zero_grad();
        _masters?.ZeroModelGradients();
    }

    /// <summary>
    /// Clips the accumulated gradients to <see cref="TrainerOptions.MaxGradNorm"/> (0: only measures their norm) and
    /// applies one AdamW update. Returns the norm before clipping; when it is not finite nothing is applied (the
    /// caller reports it through <see cref="NonFinite"/>).
    /// </summary>
    public double Update() => Update([_parameters])[0];

    /// <summary>
    /// As <see cref="Update()"/>, but each parameter group is clipped to <see cref="TrainerOptions.MaxGradNorm"/> on
    /// its own (<see cref="GradientClipping.ClipGroups"/>), then one AdamW update of all of them. Returns each group's
    /// norm before clipping; when any is not finite nothing is applied.
    /// </summary>
    public double[] Update(IReadOnlyList<IReadOnlyList<Parameter>> groups)
    {
        if (_masters is not null)
        {
            _masters.GradientsToMaster();   // bf16: float32 gradients onto the float32 masters, which are clipped and updated
            groups = [_parameters];          // the masters stand for the policy's weights (bf16 trains the policy alone)
        }
        var norms = GradientClipping.ClipGroups(groups, Options.MaxGradNorm);
        if (norms.All(double.IsFinite))
        {
            _optimizer.step();
            _masters?.MasterToModel();
        }
        return norms;
    }

    /// <summary>
    /// A non-finite loss or gradient: clears the gradients so nothing of it reaches the weights, then skips the step
    /// (returns null) when <see cref="TrainerOptions.SkipNonFiniteSteps"/> is set, or stops with a training error.
    /// </summary>
    public Dictionary<string, double>? NonFinite(string objective, int step, string what, string applied, string hint)
    {
        ZeroGrad();
        if (Options.SkipNonFiniteSteps) return null;
        throw new TrainingException($"{objective} step {step + 1}: {what}. {applied} {hint}, or set SkipNonFiniteSteps to skip such steps.");
    }
}
