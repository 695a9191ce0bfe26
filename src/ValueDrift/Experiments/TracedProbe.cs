using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Experiments;

/// <summary>A probe and the path of the trace it appends to, before the trace is opened (<see cref="Open"/>).</summary>
public sealed record TracedProbe(IStanceProbe Probe, string TracePath)
{
    /// <summary>Opens every trace for appending; disposing the result closes them.</summary>
    public static OpenTraces Open(IEnumerable<TracedProbe> probes) =>
        new(probes.Select(p => new TraceTarget(p.Probe, new TraceWriter(p.TracePath))).ToList());
}

/// <summary>Trace targets whose writers are open; disposing closes every writer.</summary>
public sealed class OpenTraces(IReadOnlyList<TraceTarget> targets) : IDisposable
{
    public IReadOnlyList<TraceTarget> Targets { get; } = targets;

    public void Dispose()
    {
        foreach (var t in Targets) t.Writer.Dispose();
    }
}
