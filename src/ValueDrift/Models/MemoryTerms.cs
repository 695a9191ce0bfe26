namespace ValueDrift.Models;

/// <summary>How a method holds its reference policy during training.</summary>
public enum ReferenceUse
{
    /// <summary>No reference (SFT, SimPO, reward models).</summary>
    None,
    /// <summary>Log-probs computed once before training (DPO's default); a plan may ask for a live model instead.</summary>
    CachedLogProbs,
    /// <summary>A frozen model run every step: the policy with its adapter switched off under LoRA, else a copy.</summary>
    Live,
}

/// <summary>
/// What a training method adds to a step's memory (<see cref="MemoryPlan"/>): each method's record states its own
/// terms (Training.Algorithms), so the plan has a formula for every method without naming any.
/// </summary>
/// <param name="Method">The method's name, for messages.</param>
public sealed record MemoryTerms(string Method)
{
    /// <summary>Sequences one example puts through the forward pass: 2 for a pair run as one concatenated batch.</summary>
    public int SequencesPerExample { get; init; } = 1;
    /// <summary>A scalar head is trained on the last hidden state (its h weights are trainable), and no vocabulary logits are kept.</summary>
    public bool ScalarHead { get; init; }
    public ReferenceUse Reference { get; init; } = ReferenceUse.None;
    /// <summary>PPO's frozen reward model and trained value model (each the policy's size plus a scalar head).</summary>
    public bool RewardAndValueModels { get; init; }
}
