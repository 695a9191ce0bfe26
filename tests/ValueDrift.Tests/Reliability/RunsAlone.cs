using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Tests that watch process-wide state (peak memory, Console output) run alone, so that other tests running in
/// parallel can neither blur their measurements nor write into what they capture.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
