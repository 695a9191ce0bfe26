using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// One row of a <see cref="DriftTable"/>: for a phase, topic and stance, the probability at the phase's start, end and
/// extremum, the drift magnitude M = end − start (or extreme − start, see <see cref="DriftTableOptions.Endpoint"/>) and
/// the drift time (NaN for a single-point phase).
/// </summary>
public sealed record DriftRow(
    string Phase, string Topic, Stance Stance,
    double Magnitude, double DriftTime,
    double Start, double End, double Extreme,
    int StartStep, int EndStep, int ExtremeStep);

/// <summary>Settings of a <see cref="DriftTable"/>.</summary>
public sealed record DriftTableOptions
{
    public DriftEndpoint Endpoint { get; init; } = DriftEndpoint.PhaseEnd;
    /// <summary>Seed of the bootstrap bands behind drift times.</summary>
    public int Seed { get; init; } = 0;
    public int Resamples { get; init; } = ConfidenceBand.DefaultResamples;
}

/// <summary>
/// Drift magnitude and drift time for every phase × topic × stance of a <see cref="Trajectory"/>, in phase order,
/// then topic order, then the fixed stance order.
/// </summary>
public sealed class DriftTable
{
    public IReadOnlyList<DriftRow> Rows { get; }

    public DriftTable(IReadOnlyList<DriftRow> rows) => Rows = rows;

    public static DriftTable From(Trajectory trajectory, DriftTableOptions? options = null)
    {
        options ??= new DriftTableOptions();
        var rows = new List<DriftRow>();
        foreach (var phase in trajectory.Phases)
            foreach (var topic in trajectory.TopicsIn(phase))
            {
                var series = trajectory.Series(phase, topic);
                foreach (var stance in StanceLabels.All)
                {
                    var ext = series[DriftMagnitude.ExtremeIndex(series, stance)];
                    rows.Add(new DriftRow(phase, topic, stance,
                        DriftMagnitude.Of(series, stance, options.Endpoint),
                        DriftTime.Of(series, stance, options.Seed, options.Resamples),
                        series[0][stance], series[^1][stance], ext[stance],
                        series[0].Step, series[^1].Step, ext.Step));
                }
            }
        return new DriftTable(rows);
    }

    /// <summary>The row of a phase, topic and stance, or null.</summary>
    public DriftRow? Find(string phase, string topic, Stance stance) =>
        Rows.FirstOrDefault(r => r.Phase == phase && r.Topic == topic && r.Stance == stance);

    /// <summary>JSON object of one row: <c>{"phase","topic","stance","magnitude","drift_time","start","end","extreme"}</c>.</summary>
    public sealed record JsonRow(
        [property: JsonPropertyName("phase")] string Phase,
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("stance")] string Stance,
        [property: JsonPropertyName("magnitude")] double Magnitude,
        [property: JsonPropertyName("drift_time")] double? DriftTime,
        [property: JsonPropertyName("start")] double Start,
        [property: JsonPropertyName("end")] double End,
        [property: JsonPropertyName("extreme")] double Extreme);

    /// <summary>Rows in their JSON form (stance lower-case; drift time null where undefined).</summary>
    public IReadOnlyList<JsonRow> ToJsonRows() => Rows.Select(r => new JsonRow(r.Phase, r.Topic, r.Stance.Label(),
        r.Magnitude, double.IsNaN(r.DriftTime) ? null : r.DriftTime, r.Start, r.End, r.Extreme)).ToList();

    /// <summary>The table as a JSON array of row objects (see <see cref="JsonRow"/>).</summary>
    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(ToJsonRows(), new JsonSerializerOptions { WriteIndented = indented });
}
