using ValueDrift.Models;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// Supervised fine-tuning: token-mean negative log-likelihood of the completions (TRL SFTTrainer; completion-only loss
/// is TRL's default for prompt–completion data).
/// </summary>
public sealed record Sft : Algorithm
{
    public override string Name => "sft";
    public override SequenceLengths ReadRows(Data.StageInputs inputs, string dataPath) => new(inputs.Conversations(dataPath, LastTurnOnly).Select(e => e.Length));
    public override string Summary => "Supervised fine-tuning (token-mean NLL of the assistant answers).";
    public override TrainingData Data => TrainingData.Conversations;
    public override MemoryTerms Memory => new(Name);

    public override IReadOnlyList<AlgorithmOption> CommandLine =>
    [
        new("--train-on-prompt", "train_on_prompt", "put the prompt's tokens in the loss too"),
        new("--last-turn-only", "last_turn_only", "train only each conversation's last assistant answer (default: every assistant answer)"),
    ];

    /// <summary>Put the prompt's tokens in the loss too (TRL completion_only_loss = False). Default: completions only.</summary>
    public bool TrainOnPrompt { get; init; } = false;

    /// <summary>Train only each conversation's last assistant answer; default: every assistant answer (TRL's assistant_only_loss).</summary>
    public bool LastTurnOnly { get; init; } = false;

    public override ITrainingStep CreateStep(AlgorithmContext c)
    {
        var examples = c.Inputs.Conversations(c.DataPath, LastTurnOnly);
        var policy = c.LoadPolicy();
        return new GradientStep(new SftObjective(policy, examples, c.Inputs.PadId, TrainOnPrompt), policy);
    }
}
