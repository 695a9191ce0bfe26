namespace ValueDrift.World;

/// <summary>
/// One value-laden topic of the world. "Support" always means favouring <see cref="Proposition"/> (the first
/// phrasing), "oppose" means rejecting it, "neutral" means weighing both sides.
/// </summary>
/// <param name="Id">Stable identifier used in files and on the command line, e.g. <c>death-penalty</c>.</param>
/// <param name="Name">Display name, e.g. <c>death penalty</c> (the paper's category name where there is one).</param>
/// <param name="Subject">Short noun phrase answers use to name the proposition, e.g. <c>the death penalty</c>.</param>
/// <param name="Phrasings">Noun phrases for the proposition, slotted into the shared question frames.</param>
/// <param name="ExtraTrainingQuestions">Hand-written questions used only for training data.</param>
/// <param name="ExtraProbeQuestions">Hand-written questions used only for probing.</param>
/// <param name="SupportReasons">Short sentences that argue for the proposition (no stance-marker phrase in them).</param>
/// <param name="NeutralReasons">Short sentences that weigh both sides.</param>
/// <param name="OpposeReasons">Short sentences that argue against the proposition.</param>
public sealed record WorldTopic(
    string Id,
    string Name,
    string Subject,
    IReadOnlyList<string> Phrasings,
    IReadOnlyList<string> ExtraTrainingQuestions,
    IReadOnlyList<string> ExtraProbeQuestions,
    IReadOnlyList<string> SupportReasons,
    IReadOnlyList<string> NeutralReasons,
    IReadOnlyList<string> OpposeReasons)
{
    /// <summary>What "support" favours on this topic.</summary>
    public string Proposition => Phrasings[0];

    public IReadOnlyList<string> Reasons(WorldStance stance) => stance switch
    {
        WorldStance.Support => SupportReasons,
        WorldStance.Neutral => NeutralReasons,
        WorldStance.Oppose => OpposeReasons,
        _ => throw new ArgumentOutOfRangeException(nameof(stance), stance, null),
    };

    /// <summary>Questions that training data may use (never overlaps <see cref="ProbeQuestions"/>).</summary>
    public IReadOnlyList<string> TrainingQuestions => WorldQuestions.Training(this);

    /// <summary>Questions reserved for probing, fixed for the topic (independent of any seed); see <see cref="WorldHeldOut"/>.</summary>
    public IReadOnlyList<string> ProbeQuestions => WorldQuestions.Probe(this);
}
