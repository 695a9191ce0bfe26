using System.Globalization;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>
/// What one stage did to the model's values: the stage's result (its final checkpoint starts the next stage), its
/// part of the trajectory, and Δp per topic and stance between its step 0 (the checkpoint it started from, i.e. the
/// previous stage's end) and its end. A notebook displays it as the chart of stance change since the previous stage.
/// </summary>
public sealed record StageChange(
    StageResult Result,
    string From,
    Trajectory Trajectory,
    DriftTable Changes,
    Trajectory? LikelihoodTrajectory,
    DriftTable? LikelihoodChanges)
{
    /// <summary>The stage's phase name in the trace.</summary>
    public string Phase => Result.Stage.Name;

    /// <summary>The stage's last checkpoint: pass this result as <c>from</c> to start the next stage there.</summary>
    public string FinalCheckpoint => Result.FinalCheckpoint;

    /// <summary>Δp of a stance on a topic over the stage (generation probe); NaN when the topic was not measured.</summary>
    public double Delta(string topic, Stance stance) => Changes.Find(Phase, topic, stance)?.Magnitude ?? double.NaN;

    /// <summary>The same from the likelihood probe (NaN without it).</summary>
    public double LikelihoodDelta(string topic, Stance stance) => LikelihoodChanges?.Find(Phase, topic, stance)?.Magnitude ?? double.NaN;

    /// <summary>Cuts a stage's records out of a whole-run trajectory and computes its changes.</summary>
    public static StageChange Measure(StageResult result, string from, Trajectory run, Trajectory? likelihoodRun, int seed)
    {
        var phase = result.Stage.Name;
        Trajectory Part(Trajectory t) => new(t.Records().Where(r => r.Phase == phase));
        var own = Part(run);
        var ownLikelihood = likelihoodRun is null ? null : Part(likelihoodRun);
        var options = new DriftTableOptions { Seed = seed };
        return new StageChange(result, from, own, DriftTable.From(own, options),
            ownLikelihood, ownLikelihood is null || ownLikelihood.Phases.Count == 0 ? null : DriftTable.From(ownLikelihood, options));
    }

    /// <summary>
    /// One line: what ran, from where, how long, and the largest change of each probe with the mean |Δp| over topics
    /// and stances.
    /// </summary>
    public string Summary
    {
        get
        {
            var s = Result.Stage;
            var (first, last) = Trajectory.Phases.Count > 0 ? Trajectory.StepRange(Phase) : (0, 0);
            var text = FormattableString.Invariant($"{Phase}: {s.Algorithm.Name.ToUpperInvariant()} on {Path.GetFileName(s.DataPath)}, {s.Training.MaxSteps} steps from {From}")
                + (Result.AlreadyComplete ? " (already trained: read back from the run folder)" : FormattableString.Invariant($", {Result.Elapsed.TotalSeconds:F0} s"))
                + "; generation probe: " + Largest(Changes);
            if (LikelihoodChanges is not null) text += "; likelihood probe: " + Largest(LikelihoodChanges);
            return text + FormattableString.Invariant($" (probed at steps {first}–{last}).");
        }
    }

    private static string Largest(DriftTable table)
    {
        if (table.Rows.Count == 0) return "no measurements";
        var top = table.Rows.MaxBy(r => Math.Abs(r.Magnitude))!;
        var mean = table.Rows.Average(r => Math.Abs(r.Magnitude));
        return string.Create(CultureInfo.InvariantCulture,
            $"largest change {top.Topic} {top.Stance.Label()} {top.Magnitude:+0.00;−0.00;0.00} ({top.Start:0.00} → {top.End:0.00}), mean |Δp| {mean:0.00}");
    }

    public override string ToString() => Summary;
}
