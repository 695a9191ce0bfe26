using ValueDrift.Models;

namespace ValueDrift.Probes;

/// <summary>
/// A probe that can also say how far the probed policy has moved from where its stage started: the same measurement as
/// <see cref="IStanceProbe.Measure"/>, with each topic's <see cref="TopicMeasurement.KlFromStart"/> estimated on the
/// probe's own sampled answers against <paramref name="start"/>.
/// </summary>
public interface IDivergenceProbe : IStanceProbe
{
    ProbeResult Measure(CausalLM model, StartPolicy start);
}
