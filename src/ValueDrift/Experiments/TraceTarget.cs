using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Experiments;

/// <summary>A probe and the trace its measurements are appended to (a stage may feed several, e.g. generation and likelihood).</summary>
public sealed record TraceTarget(IStanceProbe Probe, TraceWriter Writer);
