using Deedle;
using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Reporting;

/// <summary>One row of the long-form stance frame: a stance's probability for a topic at a step of a phase.</summary>
public sealed record StanceFrameRow(string Phase, string Topic, string Stance, int Step, int GlobalStep,
    double Probability, double Lower, double Upper, int N);

/// <summary>
/// Deedle frames of a trajectory and of a drift table, for notebooks (C# and F#) and CSV export.
/// Frames are indexed by row number; columns are the record's properties.
/// </summary>
public static class DriftFrames
{
    /// <summary>
    /// Long form, one row per phase × topic × stance × step, with the global step (<see cref="Trajectory.GlobalOffset"/>)
    /// and the 95% <see cref="ConfidenceBand"/> (seeded).
    /// </summary>
    public static Frame<int, string> Stances(Trajectory trajectory, int seed = 0) =>
        Frame.FromRecords(StanceRows(trajectory, seed));

    /// <summary>The rows behind <see cref="Stances"/>.</summary>
    public static IReadOnlyList<StanceFrameRow> StanceRows(Trajectory trajectory, int seed = 0) =>
        (from phase in trajectory.Phases
         let offset = trajectory.GlobalOffset(phase)
         from topic in trajectory.TopicsIn(phase)
         from stance in StanceLabels.All
         from point in trajectory.Series(phase, topic)
         let band = ConfidenceBand.At(point, stance, seed)
         select new StanceFrameRow(phase, topic, stance.Label(), point.Step, point.Step + offset,
             point[stance], band.Lower, band.Upper, point.N)).ToList();

    /// <summary>
    /// The drift table, one row per phase × topic × stance (stance lower-case; drift time and the magnitude interval
    /// bounds NaN where undefined).
    /// </summary>
    public static Frame<int, string> Table(DriftTable table) =>
        Frame.FromRecords(table.Rows.Select(r => new
        {
            r.Phase, r.Topic, Stance = r.Stance.Label(), r.Magnitude,
            MagnitudeLower = r.MagnitudeCi?.Interval?.Lower ?? double.NaN, MagnitudeUpper = r.MagnitudeCi?.Interval?.Upper ?? double.NaN,
            r.DriftTime, r.Start, r.End, r.Extreme, r.StartStep, r.EndStep, r.ExtremeStep,
        }));
}
