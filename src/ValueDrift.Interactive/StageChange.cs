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

    /// <summary>
    /// One sentence per topic for a stance: start → end of the generation probe, the drift magnitude with its 95%
    /// interval and drift time (or "within noise"), and the likelihood probe's change beside it where it measured the topic. The notebooks'
    /// "what you should see" cells print these, so their prose never quotes a number the run did not measure.
    /// </summary>
    public IReadOnlyList<string> Sentences(Stance stance) =>
        Changes.Rows.Where(r => r.Stance == stance).Select(r =>
        {
            var ci = r.MagnitudeCi?.Interval;
            var when = ci is not null && ci.Contains(0) ? "within noise: the interval contains 0" : $"drift time {r.DriftTimeCell(Changes.Endpoint, "0.00")}";
            var likelihood = LikelihoodDelta(r.Topic, stance);
            return string.Create(CultureInfo.InvariantCulture,
                $"{Phase}, {r.Topic}: p({stance.Label()}) {r.Start:0.00} → {r.End:0.00}, M = {DriftReading.Signed(r.Magnitude)} (95% CI {(ci is null ? "n/a" : $"[{DriftReading.Signed(ci.Lower)}, {DriftReading.Signed(ci.Upper)}]")}; {when})")
                + (double.IsNaN(likelihood) ? "." : $"; likelihood probe M = {DriftReading.Signed(likelihood)}.");
        }).ToList();

    /// <summary>Prints <see cref="Sentences"/> (a notebook cell's output).</summary>
    public void Say(Stance stance)
    {
        foreach (var line in Sentences(stance)) Console.WriteLine(line);
    }

    /// <summary>
    /// The stage's numbers read against what the notebook's text expects (per topic: consistent, not seen, opposite),
    /// printed by the "what you should see" cells so their prose is checked by the run itself.
    /// </summary>
    public ExpectationCheck Check(Expectation expected) =>
        new(Phase, expected, Changes.Rows.Where(r => r.Stance == expected.Stance).Select(r => (r, expected.Judge(r))).ToList());

    /// <summary>Prints <see cref="Check"/>'s sentences (a notebook cell's output) and returns the check.</summary>
    public ExpectationCheck Expect(Expectation expected)
    {
        var check = Check(expected);
        foreach (var line in check.Sentences()) Console.WriteLine(line);
        return check;
    }

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

    /// <summary>True when the cell was interrupted: the stage stopped early, its trace keeps what was measured.</summary>
    public bool Interrupted { get; init; }

    /// <summary>
    /// A PPO stage's optimisation health (approxkl and clip fraction against the stable range), from its metrics.jsonl;
    /// null for other algorithms.
    /// </summary>
    public Training.Ppo.PpoHealth? Ppo =>   // null where the metrics hold no PPO step
        Result.Metrics.Count > 0 ? Training.Ppo.PpoHealth.From(Result.Metrics) : Training.Ppo.PpoHealth.FromStageDirectory(Result.Directory);

    /// <summary>Answer-health measures of the generation probe that moved beyond their <see cref="HealthTolerance"/> during the stage.</summary>
    public IReadOnlyList<HealthWarning> HealthWarnings => HealthTolerance.Check(Trajectory);

    /// <summary>The generation probe's rows read as magnitude, interval and drift time (or "within noise").</summary>
    public IReadOnlyList<DriftReading> Readings => Changes.Rows.Select(r => new DriftReading(r)).ToList();

    /// <summary>
    /// What ran, from where, how long; then the generation probe (the paper's measurement): each topic × stance that
    /// moved beyond its 95% interval with magnitude, interval and drift time, and those within noise by name; then the
    /// likelihood probe's largest change beside it; for PPO, whether its optimisation stayed in the stable range.
    /// </summary>
    public string Summary
    {
        get
        {
            var s = Result.Stage;
            var (first, last) = Trajectory.Phases.Count > 0 ? Trajectory.StepRange(Phase) : (0, 0);
            var text = FormattableString.Invariant($"{Phase}: {s.Algorithm.Title} on {Path.GetFileName(s.DataPath)}, {s.Training.MaxSteps} steps from {From}")
                + (Interrupted ? FormattableString.Invariant($", interrupted at step {last} (the trace keeps what was measured)")
                   : Result.AlreadyComplete ? " (already trained: read back from the run folder)" : FormattableString.Invariant($", {Result.Elapsed.TotalSeconds:F0} s"))
                + ". Generation probe: " + Findings(Readings);
            if (LikelihoodChanges is not null) text += "; likelihood probe: " + Largest(LikelihoodChanges);
            text += FormattableString.Invariant($" (probed at steps {first}–{last}).");
            if (Ppo is { } ppo) text += " " + ppo.Sentence;
            var warnings = HealthWarnings;
            return warnings.Count == 0 ? text : text + " Answer health beyond tolerance: " + string.Join("; ", warnings) + ".";
        }
    }

    /// <summary>"moved: a, b; within noise: c, d" over the readings (Δp with 95% intervals over questions).</summary>
    public static string Findings(IReadOnlyList<DriftReading> readings)
    {
        if (readings.Count == 0) return "no measurements";
        var moved = readings.Where(r => r.Moved).OrderByDescending(r => Math.Abs(r.Row.Magnitude)).ToList();
        var noise = readings.Where(r => r.WithinNoise).ToList();
        var other = readings.Where(r => !r.Moved && !r.WithinNoise).ToList();
        var parts = new List<string>();
        parts.Add(moved.Count == 0 ? "nothing moved beyond its 95% interval" : "moved " + string.Join("; ", moved));
        if (noise.Count > 0) parts.Add("within noise " + string.Join(", ", noise.Select(r => $"{r.Row.Topic} {r.Row.Stance.Label()}")));
        if (other.Count > 0) parts.Add(string.Join("; ", other));
        return string.Join("; ", parts);
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
