namespace ValueDrift.Training.Algorithms;

/// <summary>What a stage's data file holds for its method (<see cref="Algorithm.Data"/>).</summary>
public enum TrainingData
{
    /// <summary>Conversations or prompt–completion rows (Alpaca / messages).</summary>
    Conversations,
    /// <summary>Preference pairs: prompt, chosen, rejected (PPO rolls out their prompts).</summary>
    Preferences,
}
