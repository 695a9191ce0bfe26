namespace ValueDrift.World;

/// <summary>
/// Which words a world probe measures in. <see cref="HeldOut"/> (every run's probes): questions and likelihood
/// reference answers from text no training set uses (<see cref="WorldHeldOut"/>), so a probe reads the stance a model
/// learned. <see cref="Training"/>: questions from the training sets' own frames and phrasings and reference answers
/// from the training answer generator (<see cref="WorldAnswers"/>), so a probe also reads what the model memorised.
/// Comparing the two says how much of a finding is memory of training strings.
/// </summary>
public enum WorldProbeSplit
{
    HeldOut,
    Training,
}

/// <summary>How the command line, result files and tables write a split: "held-out" or "training".</summary>
public static class WorldProbeSplitNames
{
    public static string Name(this WorldProbeSplit split) => split == WorldProbeSplit.HeldOut ? "held-out" : "training";

    /// <summary>Reads "held-out" or "training"; anything else is a <see cref="Errors.ConfigException"/> naming <paramref name="field"/>.</summary>
    public static WorldProbeSplit Parse(string text, string source, string field) => text switch
    {
        "held-out" => WorldProbeSplit.HeldOut,
        "training" => WorldProbeSplit.Training,
        _ => throw new Errors.ConfigException(source, field, $"must be held-out or training, got '{text}'"),
    };
}
