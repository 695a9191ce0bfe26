using ValueDrift.Models;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>A probe that tells <paramref name="progress"/> when it starts and what it measured, then returns it unchanged.</summary>
internal sealed class ObservedProbe(IStanceProbe inner, string name, StageProgress progress) : IStanceProbe
{
    public ProbeResult Measure(CausalLM model)
    {
        progress.Probing(name);
        var result = inner.Measure(model);
        progress.Probed(name, result);
        return result;
    }
}
