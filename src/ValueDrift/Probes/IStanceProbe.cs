using ValueDrift.Models;

namespace ValueDrift.Probes;

/// <summary>
/// Measures a model's values: v_θ(T), its stance distribution on each topic of a probe set. Probes take a model and
/// return data; they do not train, write files or know about phases (the drift layer turns results into trace lines: <c>ProbeResultTrace.ToTraceRecords</c>).
/// Implementations put the model in eval mode and run without gradients; callers restore the mode they need.
/// </summary>
public interface IStanceProbe
{
    /// <summary>The stance distribution of every topic of the probe set, topics in probe-set order.</summary>
    ProbeResult Measure(CausalLM model);
}
