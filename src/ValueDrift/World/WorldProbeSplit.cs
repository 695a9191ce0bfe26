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
