using System.Text.Json;
using ValueDrift.Benchmarks;
using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;
using static ValueDrift.Tests.Drift.TestTrajectories;

namespace ValueDrift.Tests.Drift;

/// <summary>Drift time's gate on M's interval, its criteria, the extremum shown beside it, and its bounded intervals.</summary>
public class DriftTimeTests
{
    /// <summary>A point of <paramref name="levels"/>.Length questions, question q at support levels[q] (5 answers each).</summary>
    private static TrajectoryPoint Questions(int step, IReadOnlyList<double> levels)
    {
        var r = TraceRecord.FromQuestions("p", step, "t",
            levels.Select((p, q) => new QuestionDetail($"q{q}", With(Stance.Support, p), 5)).ToList());
        return new TrajectoryPoint(step, r.Value, r.N, r.Questions);
    }

    [Fact, Trait("tier", "fast")]
    public void A_flat_phase_has_no_drift_time_under_any_criterion()
    {
        var levels = Enumerable.Range(0, 20).Select(q => 0.1 + 0.04 * q).ToArray();
        var detailed = Enumerable.Range(0, 11).Select(c => Questions(10 * c, levels)).ToList();
        var plain = new Trajectory(Series("p", "t", Stance.Support, 100, (0, 0.4), (50, 0.4), (100, 0.4))).Series("p", "t");
        foreach (var criterion in Enum.GetValues<DriftTimeCriterion>())
        {
            var o = new DriftTimeOptions { Criterion = criterion };
            foreach (var series in new[] { detailed, plain })
            {
                var reading = DriftTime.Measure(series, Stance.Support, o);
                Assert.True(double.IsNaN(reading.Value));
                Assert.Equal(DriftTime.NoDrift, reading.Note);
            }
        }
        var row = DriftTable.From(new Trajectory(Series("p", "t", Stance.Support, 100, (0, 0.4), (50, 0.4), (100, 0.4))))
            .Find("p", "t", Stance.Support)!;
        Assert.Equal("none", row.DriftTimeText());
        var json = JsonDocument.Parse(JsonSerializer.Serialize(DriftTable.ToJson(row))).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("drift_time").ValueKind);
        Assert.Equal(DriftTime.NoDrift, json.GetProperty("drift_time_note").GetString());
    }

    [Fact, Trait("tier", "fast")]
    public void A_slow_small_significant_drift_is_not_acquired_at_step_0()
    {
        // 20 questions spread over 0.10..0.86, each rising linearly over ten checkpoints by 0.025..0.075 (mean +0.05):
        // M's paired interval excludes 0, yet the whole drift is smaller than the level band's half-width.
        var levels = Enumerable.Range(0, 20).Select(q => 0.1 + 0.04 * q).ToArray();
        var rises = Enumerable.Range(0, 20).Select(q => 0.05 * (0.5 + q / 19.0)).ToArray();
        var series = Enumerable.Range(0, 11).Select(c => Questions(10 * c, levels.Select((b, q) => b + rises[q] * c / 10.0).ToList())).ToList();
        var ci = MagnitudeInterval.Of(series, Stance.Support, DriftEndpoint.PhaseEnd).Interval!;
        Assert.True(ci.Lower > 0);

        // The level band alone calls it acquired at the start: the bias this guards against.
        var band = ConfidenceBand.At(series[^1], Stance.Support);
        Assert.True(band.Contains(series[0][Stance.Support]));
        Assert.Equal(0.0, DriftTime.Of(series, Stance.Support, new DriftTimeOptions { Criterion = DriftTimeCriterion.LevelBand }));

        // Every question is still below its end value until the end: the paired and default criteria time it at 1.
        Assert.Equal(1.0, DriftTime.Of(series, Stance.Support, new DriftTimeOptions { Criterion = DriftTimeCriterion.Paired }), 12);
        Assert.Equal(1.0, DriftTime.Of(series, Stance.Support), 12);
    }

    [Fact, Trait("tier", "fast")]
    public void Both_is_the_later_of_the_level_band_and_the_paired_time()
    {
        // Every question rises 0.20 by step 10 and another 0.02 at step 30: the mean at step 10 is inside the extreme's
        // level band (the levels spread 0.1..0.64), but every question is still 0.02 short of its extreme until step 30.
        var levels = Enumerable.Range(0, 10).Select(q => 0.1 + 0.06 * q).ToArray();
        double[] Up(double by) => levels.Select(b => b + by).ToArray();
        var series = new[] { Questions(0, levels), Questions(10, Up(0.2)), Questions(20, Up(0.2)), Questions(30, Up(0.22)) };
        double T(DriftTimeCriterion c) => DriftTime.Of(series, Stance.Support, new DriftTimeOptions { Criterion = c });
        Assert.Equal(Math.Max(T(DriftTimeCriterion.LevelBand), T(DriftTimeCriterion.Paired)), T(DriftTimeCriterion.Both), 12);
        Assert.Equal(10.0 / 30, T(DriftTimeCriterion.LevelBand), 12);
        Assert.Equal(1.0, T(DriftTimeCriterion.Paired), 12);
    }

    [Fact, Trait("tier", "fast")]
    public void The_table_names_the_extremum_when_drift_time_is_timed_to_another_step_than_M()
    {
        var table = DriftTable.From(TwoPhases());
        var peaked = table.Find("sft", "immigration", Stance.Support)!;   // M to step 40, extremum at step 30
        Assert.Equal("0.500 (to step 30)", peaked.DriftTimeCell(table.Endpoint));
        var settled = table.Find("dpo", "immigration", Stance.Oppose)!;  // extremum step 50, end step 100
        Assert.Equal("0.050 (to step 50)", settled.DriftTimeCell(table.Endpoint));
        var toExtremum = DriftTable.From(TwoPhases(), new DriftTableOptions { Endpoint = DriftEndpoint.Extremum });
        Assert.Equal("0.500", toExtremum.Find("sft", "immigration", Stance.Support)!.DriftTimeCell(toExtremum.Endpoint));
    }

    [Fact, Trait("tier", "fast")]
    public void Drift_time_intervals_over_seeds_stay_in_0_1()
    {
        double[] times = [0.0, 0.05, 0.9];
        var open = SeedEstimate.Across(times);
        Assert.True(open.Interval!.Lower < 0);                          // the plain t interval leaves [0, 1]
        var bounded = SeedEstimate.Across(times, bounds: SeedEstimate.DriftTimeBounds);
        Assert.Equal(0.0, bounded.Interval!.Lower);
        Assert.True(open.Interval.Upper > 1);
        Assert.Equal(1.0, bounded.Interval.Upper);
        Assert.Equal(open.Mean, bounded.Mean, 12);
        var inside = SeedEstimate.Across([0.4, 0.5, 0.6], bounds: SeedEstimate.DriftTimeBounds);   // inside the bounds, nothing changes
        Assert.Equal(SeedEstimate.Across([0.4, 0.5, 0.6]).Interval, inside.Interval);

        // Through the seed summary: three seeds whose drift times spread from 0.05 to 1.
        Trajectory Seed(double mid) => new(Series("p", "t", Stance.Support, 400, (0, 0.2), (10, mid), (20, 0.8)));
        var summary = SeedSummary.From([Seed(0.79), Seed(0.21), Seed(0.5)]);
        var dt = summary.Find("p", "t", Stance.Support)!.DriftTime;
        Assert.Equal([0.5, 1.0, 1.0], dt.PerSeed);
        Assert.InRange(dt.Interval!.Lower, 0, 1);
        Assert.InRange(dt.Interval.Upper, 0, 1);
        Assert.Equal(1.0, dt.Interval.Upper);
    }

    [Fact]
    public void The_simulation_table_is_deterministic_and_has_every_cell_and_criterion()
    {
        var a = DriftTimeSimulation.Table(replicates: 8);
        Assert.Equal(a, DriftTimeSimulation.Table(replicates: 8));
        var rows = a.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        Assert.Equal(2 * 5 * Enum.GetValues<DriftTimeCriterion>().Length, rows.Count);
    }
}
