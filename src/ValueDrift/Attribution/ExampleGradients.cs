using TorchSharp.Modules;
using ValueDrift.Models;
using ValueDrift.Training;
using static TorchSharp.torch;

namespace ValueDrift.Attribution;

/// <summary>
/// Gradients for attribution, restricted (<see cref="GradientRestriction"/>) and projected (<see cref="GradientSketch"/>):
/// each training example's loss under its stage's own objective — ℓ_i = Compute([i]).LossSum / Units([i]), the loss the
/// trainer would take on a batch of that one example (token-mean NLL for SFT, the pair's loss for DPO, SimPO and
/// reward modelling) — and the stance score's. Eval mode (no dropout), one backward per example.
/// </summary>
public static class ExampleGradients
{
    /// <summary>∇ℓ_i for every example of the objective: (N) rows of <see cref="GradientSketch.OutputDimension"/>.</summary>
    public static float[][] Of(ITrainingObjective objective, GradientRestriction restriction, GradientSketch sketch, CancellationToken cancel = default)
    {
        var policy = objective.Policy;
        var parameters = restriction.Select(policy).Select(p => p.Parameter).ToList();
        var result = new float[objective.ExampleCount][];
        var wasTraining = policy.training;
        policy.eval();
        using var focus = restriction.Focus(policy);
        try
        {
            for (int i = 0; i < result.Length; i++)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                Zero(parameters);
                double units = objective.Units([i]);
                if (!(units > 0)) { result[i] = new float[sketch.OutputDimension]; continue; }   // nothing of it is trained on
                (objective.Compute([i]).LossSum / units).backward();
                result[i] = sketch.Project(Flatten(parameters));
            }
        }
        finally
        {
            Zero(parameters);
            if (wasTraining) policy.train();
        }
        return result;
    }

    /// <summary>∇S for the stance score on <paramref name="model"/>, restricted and projected like the examples'.</summary>
    public static float[] Of(StanceScore score, CausalLM model, GradientRestriction restriction, GradientSketch sketch)
    {
        var parameters = restriction.Select(model).Select(p => p.Parameter).ToList();
        var wasTraining = model.training;
        model.eval();
        using var focus = restriction.Focus(model);
        try
        {
            using var scope = NewDisposeScope();
            Zero(parameters);
            score.Compute(model).backward();
            return sketch.Project(Flatten(parameters));
        }
        finally
        {
            Zero(parameters);
            if (wasTraining) model.train();
        }
    }

    /// <summary>The parameters' gradients concatenated in order (zeros where a parameter got none): (Σ numel).</summary>
    public static Tensor Flatten(IReadOnlyList<Parameter> parameters) =>
        cat(parameters.Select(p => (p.grad is { } g ? g.detach() : zeros_like(p)).reshape(-1)).ToArray());

    /// <summary>Drops the parameters' gradients (no tensor wrapper outlives the call).</summary>
    private static void Zero(IReadOnlyList<Parameter> parameters)
    {
        foreach (var p in parameters) p.grad = null;
    }
}
