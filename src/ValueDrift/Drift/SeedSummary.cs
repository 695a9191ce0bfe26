using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Errors;
using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>Where a <see cref="SeedEstimate"/>'s interval comes from.</summary>
public enum IntervalSource
{
    /// <summary>The t interval of the mean across seeds (two or more seeds).</summary>
    Seeds,
    /// <summary>One seed: the run's own bootstrap interval over questions.</summary>
    Questions,
    /// <summary>No interval.</summary>
    None,
}

/// <summary>A number measured once per seed: the mean over seeds, its interval, and the per-seed values.</summary>
public sealed record SeedEstimate(double Mean, Interval? Interval, IntervalSource Source, IReadOnlyList<double> PerSeed)
{
    /// <summary>The verdict of the interval against an expected direction (see <see cref="Verdicts.Of"/>).</summary>
    public Verdict VerdictFor(int direction, double threshold = 0) => Verdicts.Of(Interval, direction, threshold);

    /// <summary>
    /// Mean ± the two-sided Student t interval of the mean, t_{(1+level)/2, S−1} · sd / √S, over S ≥ 2 values
    /// (NaN values, e.g. an undefined drift time, are left out). One value: its <paramref name="single"/>
    /// interval when given (source Questions), else none. No values: NaN, no interval.
    /// <para>A quantity confined to <paramref name="bounds"/> (drift time: [0, 1]) has its interval clipped to them: the
    /// true mean lies inside the bounds, so clipping removes only impossible values and keeps the t interval's
    /// coverage; a percentile bootstrap over three seeds would stay inside too but has only ten distinct resample
    /// means and covers far less than 95%.</para>
    /// </summary>
    public static SeedEstimate Across(IReadOnlyList<double> values, Interval? single = null, double level = Bootstrap.DefaultLevel, Interval? bounds = null)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0) return new SeedEstimate(double.NaN, null, IntervalSource.None, values);
        var mean = v.Average();
        if (v.Count == 1)
            return new SeedEstimate(mean, single, single is null ? IntervalSource.None : IntervalSource.Questions, values);
        var sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        var half = StudentT.Quantile((1 + level) / 2, v.Count - 1) * sd / Math.Sqrt(v.Count);
        var ci = new Interval(mean - half, mean + half);
        if (bounds is { } b) ci = new Interval(Math.Clamp(ci.Lower, b.Lower, b.Upper), Math.Clamp(ci.Upper, b.Lower, b.Upper));
        return new SeedEstimate(mean, ci, IntervalSource.Seeds, values);
    }

    /// <summary>The bounds of a drift time, [0, 1].</summary>
    public static readonly Interval DriftTimeBounds = new(0, 1);
}

/// <summary>One phase × topic × stance over seeds: drift magnitude and drift time, each a <see cref="SeedEstimate"/>.</summary>
public sealed record SeedRow(string Phase, string Topic, Stance Stance, SeedEstimate Magnitude, SeedEstimate DriftTime);

/// <summary>
/// Drift tables of the same experiment run under several seeds, summarised per phase × topic × stance: the mean
/// over seeds with its 95% interval (Student t across seeds; with a single seed, that run's bootstrap interval over
/// questions). Rows keep the first table's order; a row missing from some seeds is summarised over the seeds that
/// have it. Verdicts come from the intervals (<see cref="SeedEstimate.VerdictFor"/>), not from fixed thresholds.
/// </summary>
public sealed class SeedSummary
{
    public IReadOnlyList<SeedRow> Rows { get; }

    /// <summary>Number of seeds (tables) summarised.</summary>
    public int Seeds { get; }

    private SeedSummary(IReadOnlyList<SeedRow> rows, int seeds) { Rows = rows; Seeds = seeds; }

    /// <summary>Summarises one drift table per seed; no tables raises <see cref="ConfigException"/>.</summary>
    public static SeedSummary From(IReadOnlyList<DriftTable> perSeed, double level = Bootstrap.DefaultLevel)
    {
        if (perSeed.Count < 1) throw new ConfigException("seed summary", "seeds", "needs at least one seed's drift table");
        var keys = perSeed.SelectMany(t => t.Rows).Select(r => (r.Phase, r.Topic, r.Stance)).Distinct().ToList();
        var rows = keys.Select(k =>
        {
            var found = perSeed.Select(t => t.Find(k.Phase, k.Topic, k.Stance)).OfType<DriftRow>().ToList();
            var single = found.Count == 1 ? found[0].MagnitudeCi?.Interval : null;
            return new SeedRow(k.Phase, k.Topic, k.Stance,
                SeedEstimate.Across(found.Select(r => r.Magnitude).ToList(), single, level),
                SeedEstimate.Across(found.Select(r => r.DriftTime).ToList(), null, level, SeedEstimate.DriftTimeBounds));
        }).ToList();
        return new SeedSummary(rows, perSeed.Count);
    }

    /// <summary>Summarises one trajectory per seed (each turned into a <see cref="DriftTable"/> with the same options).</summary>
    public static SeedSummary From(IReadOnlyList<Trajectory> perSeed, DriftTableOptions? options = null) =>
        From(perSeed.Select(t => DriftTable.From(t, options)).ToList(), options?.Level ?? Bootstrap.DefaultLevel);

    /// <summary>The row of a phase, topic and stance, or null.</summary>
    public SeedRow? Find(string phase, string topic, Stance stance) =>
        Rows.FirstOrDefault(r => r.Phase == phase && r.Topic == topic && r.Stance == stance);

    /// <summary>JSON object of one row.</summary>
    public sealed record JsonRow(
        [property: JsonPropertyName("phase")] string Phase,
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("stance")] string Stance,
        [property: JsonPropertyName("seeds")] int Seeds,
        [property: JsonPropertyName("magnitude")] double? Magnitude,
        [property: JsonPropertyName("magnitude_ci")] double[]? MagnitudeCi,
        [property: JsonPropertyName("magnitude_ci_source")] string MagnitudeCiSource,
        [property: JsonPropertyName("drift_time")] double? DriftTime,
        [property: JsonPropertyName("drift_time_ci")] double[]? DriftTimeCi);

    /// <summary>The summary as a JSON array (NaN as null; sources "seeds", "questions" or "none").</summary>
    public string ToJson(bool indented = true)
    {
        static double? N(double v) => double.IsFinite(v) ? v : null;
        var rows = Rows.Select(r => new JsonRow(r.Phase, r.Topic, r.Stance.Label(), r.Magnitude.PerSeed.Count,
            N(r.Magnitude.Mean), r.Magnitude.Interval?.ToArray(), r.Magnitude.Source.ToString().ToLowerInvariant(),
            N(r.DriftTime.Mean), r.DriftTime.Interval?.ToArray())).ToList();
        return JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = indented });
    }
}
