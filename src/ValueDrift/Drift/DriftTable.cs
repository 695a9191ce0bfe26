using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>
/// One row of a <see cref="DriftTable"/>: for a phase, topic and stance, the probability at the phase's start, end and
/// extremum, the drift magnitude M = end − start (or extreme − start, see <see cref="DriftTableOptions.Endpoint"/>) and
/// the drift time (NaN for a single-point phase), and the magnitude's paired bootstrap interval over questions
/// (<see cref="MagnitudeInterval"/>; its Interval is null, with a note, where it cannot be computed). The extremum
/// is the step of the largest |p − p(start)| (<see cref="DriftMagnitude.ExtremeIndex"/>); drift time is measured to it.
/// Drift time is NaN with <see cref="DriftTimeNote"/> saying why when there is none: a single-point phase, or a
/// magnitude whose interval contains 0 (<see cref="Drift.DriftTime.Measure"/>).
/// </summary>
public sealed record DriftRow(
    string Phase, string Topic, Stance Stance,
    double Magnitude, double DriftTime,
    double Start, double End, double Extreme,
    int StartStep, int EndStep, int ExtremeStep,
    MagnitudeInterval? MagnitudeCi = null,
    string? DriftTimeNote = null)
{
    /// <summary>M among stance-taking answers (<see cref="StancedMagnitude"/>), same steps as <see cref="Magnitude"/>; null where it cannot be computed.</summary>
    public double? MagnitudeStanced { get; init; }

    /// <summary>The paired bootstrap interval of <see cref="MagnitudeStanced"/> over questions, or why there is none.</summary>
    public MagnitudeInterval? MagnitudeStancedCi { get; init; }

    /// <summary>
    /// True when the drift time is measured to another point than the magnitude: M runs to the phase's end and the
    /// extremum is an earlier step with another value (a phase that settled at its extreme value is not flagged).
    /// </summary>
    public bool TimedElsewhere(DriftEndpoint endpoint) =>
        !double.IsNaN(DriftTime) && endpoint == DriftEndpoint.PhaseEnd && ExtremeStep != EndStep && Extreme != End;

    /// <summary>The drift time as tables print it, followed by "(to step N)" when it is timed to another step than M.</summary>
    public string DriftTimeCell(DriftEndpoint endpoint, string format = "0.000") =>
        TimedElsewhere(endpoint) ? $"{DriftTimeText(format)} (to step {ExtremeStep})" : DriftTimeText(format);

    /// <summary>The drift time as tables print it: "0.450", "none" (within noise) or "n/a" (a single point).</summary>
    public string DriftTimeText(string format = "0.000") =>
        !double.IsNaN(DriftTime) ? DriftTime.ToString(format, System.Globalization.CultureInfo.InvariantCulture)
        : DriftTimeNote == Drift.DriftTime.NoDrift ? "none" : "n/a";
}

/// <summary>Settings of a <see cref="DriftTable"/>.</summary>
public sealed record DriftTableOptions
{
    public DriftEndpoint Endpoint { get; init; } = DriftEndpoint.PhaseEnd;
    /// <summary>Seed of the bootstraps behind drift times and magnitude intervals.</summary>
    public int Seed { get; init; } = 0;
    public int Resamples { get; init; } = ConfidenceBand.DefaultResamples;
    /// <summary>Level of the magnitude intervals and drift-time bands.</summary>
    public double Level { get; init; } = Bootstrap.DefaultLevel;
    /// <summary>How drift time decides a checkpoint has reached the extreme value.</summary>
    public DriftTimeCriterion DriftTimeCriterion { get; init; } = DriftTimeOptions.DefaultCriterion;
}

/// <summary>
/// Drift magnitude and drift time for every phase × topic × stance of a <see cref="Trajectory"/>, in phase order,
/// then topic order, then the fixed stance order.
/// </summary>
public sealed class DriftTable
{
    public IReadOnlyList<DriftRow> Rows { get; }

    /// <summary>The endpoint of the rows' magnitudes (drift times are always timed to the extremum).</summary>
    public DriftEndpoint Endpoint { get; }

    public DriftTable(IReadOnlyList<DriftRow> rows, DriftEndpoint endpoint = DriftEndpoint.PhaseEnd)
    {
        Rows = rows;
        Endpoint = endpoint;
    }

    public static DriftTable From(Trajectory trajectory, DriftTableOptions? options = null)
    {
        options ??= new DriftTableOptions();
        var timeOptions = new DriftTimeOptions
        {
            Criterion = options.DriftTimeCriterion, Endpoint = options.Endpoint,
            Seed = options.Seed, Resamples = options.Resamples, Level = options.Level,
        };
        var rows = new List<DriftRow>();
        foreach (var phase in trajectory.Phases)
            foreach (var topic in trajectory.TopicsIn(phase))
            {
                var series = trajectory.Series(phase, topic);
                foreach (var stance in StanceLabels.All)
                {
                    var ext = series[DriftMagnitude.ExtremeIndex(series, stance)];
                    var time = DriftTime.Measure(series, stance, timeOptions);
                    var (stanced, stancedCi) = StancedMagnitude.Of(series, stance, options.Endpoint, options.Seed, options.Resamples, options.Level);
                    rows.Add(new DriftRow(phase, topic, stance,
                        DriftMagnitude.Of(series, stance, options.Endpoint),
                        time.Value,
                        series[0][stance], series[^1][stance], ext[stance],
                        series[0].Step, series[^1].Step, ext.Step,
                        MagnitudeInterval.Of(series, stance, options.Endpoint, options.Seed, options.Resamples, options.Level),
                        time.Note)
                    { MagnitudeStanced = stanced, MagnitudeStancedCi = stancedCi });
                }
            }
        return new DriftTable(rows, options.Endpoint);
    }

    /// <summary>The row of a phase, topic and stance, or null.</summary>
    public DriftRow? Find(string phase, string topic, Stance stance) =>
        Rows.FirstOrDefault(r => r.Phase == phase && r.Topic == topic && r.Stance == stance);

    /// <summary>
    /// JSON object of one row: <c>{"phase","topic","stance","magnitude","magnitude_ci":[lo,hi]|null,
    /// "magnitude_ci_note","magnitude_ci_questions","drift_time","drift_time_note","start","end","extreme","start_step","end_step",
    /// "extremum_step","magnitude_stanced","magnitude_stanced_ci","magnitude_stanced_ci_note"}</c>.
    /// </summary>
    public sealed record JsonRow(
        [property: JsonPropertyName("phase")] string Phase,
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("stance")] string Stance,
        [property: JsonPropertyName("magnitude")] double Magnitude,
        [property: JsonPropertyName("magnitude_ci")] double[]? MagnitudeCi,
        [property: JsonPropertyName("magnitude_ci_note")] string? MagnitudeCiNote,
        [property: JsonPropertyName("magnitude_ci_questions")] int MagnitudeCiQuestions,
        [property: JsonPropertyName("drift_time")] double? DriftTime,
        [property: JsonPropertyName("drift_time_note")] string? DriftTimeNote,
        [property: JsonPropertyName("start")] double Start,
        [property: JsonPropertyName("end")] double End,
        [property: JsonPropertyName("extreme")] double Extreme,
        [property: JsonPropertyName("start_step")] int StartStep,
        [property: JsonPropertyName("end_step")] int EndStep,
        [property: JsonPropertyName("extremum_step")] int ExtremumStep)
    {
        /// <summary>M among stance-taking answers; null where it cannot be computed.</summary>
        [JsonPropertyName("magnitude_stanced")] public double? MagnitudeStanced { get; init; }
        [JsonPropertyName("magnitude_stanced_ci")] public double[]? MagnitudeStancedCi { get; init; }
        [JsonPropertyName("magnitude_stanced_ci_note")] public string? MagnitudeStancedCiNote { get; init; }
    }

    /// <summary>Rows in their JSON form (stance lower-case; drift time and interval null where undefined).</summary>
    public IReadOnlyList<JsonRow> ToJsonRows() => Rows.Select(ToJson).ToList();

    /// <summary>One row in its JSON form.</summary>
    public static JsonRow ToJson(DriftRow r) => new(r.Phase, r.Topic, r.Stance.Label(), r.Magnitude,
        r.MagnitudeCi?.Interval?.ToArray(), r.MagnitudeCi?.Note ?? (r.MagnitudeCi is null ? "not computed" : null), r.MagnitudeCi?.Questions ?? 0,
        double.IsNaN(r.DriftTime) ? null : r.DriftTime, r.DriftTimeNote, r.Start, r.End, r.Extreme, r.StartStep, r.EndStep, r.ExtremeStep)
    {
        MagnitudeStanced = r.MagnitudeStanced, MagnitudeStancedCi = r.MagnitudeStancedCi?.Interval?.ToArray(),
        MagnitudeStancedCiNote = r.MagnitudeStancedCi?.Note ?? (r.MagnitudeStancedCi is null ? "not computed" : null),
    };

    /// <summary>The table as a JSON array of row objects (see <see cref="JsonRow"/>).</summary>
    public string ToJson(bool indented = true) =>
        JsonSerializer.Serialize(ToJsonRows(), new JsonSerializerOptions { WriteIndented = indented });
}
