namespace ValueDrift.World;

/// <summary>Every dataset of one generated world, in memory (what <see cref="WorldDatasets.WriteAll"/> writes).</summary>
public sealed record WorldDatasetBundle(
    WorldOptions Options,
    IReadOnlyList<WorldTopic> Topics,
    IReadOnlyList<WorldTextLine> Pretrain,
    IReadOnlyList<WorldSftExample> NeutralSft,
    IReadOnlyList<WorldSftExample> SupportiveSft,
    IReadOnlyList<WorldPreferencePair> StandardPreference,
    IReadOnlyList<WorldPreferencePair> SupportAligned,
    IReadOnlyList<WorldPreferencePair> OpposeAligned,
    IReadOnlyList<WorldProbeQuestion> Probes);
