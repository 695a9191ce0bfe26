using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;
using static ValueDrift.Tests.Drift.TestTrajectories;

namespace ValueDrift.Tests.Drift;

[Trait("tier", "fast")]
public class DriftMetricsTests
{
    private static readonly DriftTimeOptions Band = new() { Criterion = DriftTimeCriterion.LevelBand };

    private static IReadOnlyList<TrajectoryPoint> Points(Stance s, int n, params (int Step, double P)[] xs) =>
        new Trajectory(Series("p", "t", s, n, xs)).Series("p", "t");

    [Fact]
    public void Magnitude_of_a_rise_to_the_end_and_to_the_extremum()
    {
        var rise = Points(Stance.Support, 250, (0, 0.2), (10, 0.6), (20, 0.79), (30, 0.8), (40, 0.78));
        Assert.Equal(0.78 - 0.2, DriftMagnitude.Of(rise, Stance.Support), 12);
        Assert.Equal(0.8 - 0.2, DriftMagnitude.Of(rise, Stance.Support, DriftEndpoint.Extremum), 12);
        Assert.Equal(30, DriftMagnitude.At(rise, Stance.Support, DriftEndpoint.Extremum).Step);
    }

    [Fact]
    public void Magnitude_of_a_fall_is_negative_and_its_extremum_is_the_minimum()
    {
        var fall = Points(Stance.Oppose, 100, (0, 0.6), (5, 0.15), (50, 0.1), (100, 0.11));
        Assert.Equal(0.11 - 0.6, DriftMagnitude.Of(fall, Stance.Oppose), 12);
        Assert.Equal(0.1 - 0.6, DriftMagnitude.Of(fall, Stance.Oppose, DriftEndpoint.Extremum), 12);
        // the other stances rise: (1 − p)/2 each
        Assert.Equal((1 - 0.11) / 2 - (1 - 0.6) / 2, DriftMagnitude.Of(fall, Stance.Support), 12);
    }

    [Fact]
    public void Drift_time_of_a_rise_counts_steps_until_the_band_of_the_maximum()
    {
        // max 0.8 at step 30, n 250: band 0.8 ± 1.96·sqrt(0.8·0.2/250) = [0.7504, 0.8496]; 0.79 at step 20 is the first inside.
        var rise = Points(Stance.Support, 250, (0, 0.2), (10, 0.6), (20, 0.79), (30, 0.8), (40, 0.78));
        Assert.Equal(20.0 / 40, DriftTime.Of(rise, Stance.Support, Band), 12);
    }

    [Fact]
    public void Drift_time_of_a_fall_counts_steps_until_the_band_of_the_minimum()
    {
        // min 0.1 at step 50, n 100: band 0.1 ± 1.96·0.03 = [0.0412, 0.1588]; 0.15 at step 5 is already inside.
        var fall = Points(Stance.Oppose, 100, (0, 0.6), (5, 0.15), (50, 0.1), (100, 0.11));
        Assert.Equal(5.0 / 100, DriftTime.Of(fall, Stance.Oppose, Band), 12);
    }

    [Fact]
    public void Drift_time_edge_cases()
    {
        var flat = Points(Stance.Neutral, 100, (0, 0.3), (50, 0.3), (100, 0.3));
        Assert.True(double.IsNaN(DriftTime.Of(flat, Stance.Neutral)));

        var oneStepBig = Points(Stance.Support, 100, (0, 0.2), (10, 0.8));     // start far outside the end's band
        Assert.Equal(1.0, DriftTime.Of(oneStepBig, Stance.Support));
        var oneStepSmall = Points(Stance.Support, 100, (0, 0.50), (10, 0.52)); // M = 0.02 ± 0.138: within noise, none
        Assert.Equal(DriftTime.NoDrift, DriftTime.Measure(oneStepSmall, Stance.Support).Note);

        var single = Points(Stance.Support, 100, (7, 0.4));
        Assert.True(double.IsNaN(DriftTime.Of(single, Stance.Support)));
        Assert.Equal(0.0, DriftMagnitude.Of(single, Stance.Support));
    }

    [Fact]
    public void Normal_band_matches_the_formula()
    {
        var b = ConfidenceBand.Normal(0.3, 50);
        var half = 1.959963984540054 * Math.Sqrt(0.3 * 0.7 / 50);
        Assert.Equal(0.3 - half, b.Lower, 7);
        Assert.Equal(0.3 + half, b.Upper, 7);
        Assert.Equal(BandMethod.Normal, b.Method);
        Assert.Equal(0.0, ConfidenceBand.Normal(0.02, 10).Lower);   // clipped
        Assert.Equal((0.0, 1.0), (ConfidenceBand.Normal(0.5, 0).Lower, ConfidenceBand.Normal(0.5, 0).Upper));
    }

    private static TrajectoryPoint WithQuestions(int seed, int questions, int answers)
    {
        var rng = new Random(seed);
        var detail = Enumerable.Range(0, questions).Select(q =>
        {
            var a = Enumerable.Range(0, answers).Select(_ =>
            {
                var s = rng.NextDouble();
                var n = rng.NextDouble() * (1 - s);
                return new StanceDistribution(s, n, 1 - s - n);
            }).ToList();
            return new QuestionDetail($"q{q}", StanceDistribution.Mean(a), answers, a);
        }).ToList();
        var r = TraceRecord.FromQuestions("p", 0, "t", detail);
        return new TrajectoryPoint(0, r.Value, r.N, r.Questions);
    }

    [Fact]
    public void Bootstrap_band_is_deterministic_for_a_seed()
    {
        var point = WithQuestions(1, questions: 12, answers: 5);
        var a = ConfidenceBand.At(point, Stance.Support, seed: 42);
        var b = ConfidenceBand.At(point, Stance.Support, seed: 42);
        var c = ConfidenceBand.At(point, Stance.Support, seed: 43);
        Assert.Equal(BandMethod.Bootstrap, a.Method);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Lower < point[Stance.Support] && point[Stance.Support] < a.Upper);
    }

    [Fact]
    public void Bootstrap_band_over_questions_has_the_binomial_width()
    {
        // 20 questions, half wholly support and half wholly oppose: the mean's standard error is sqrt(0.25/20),
        // so the 95% band is about 0.5 ± 0.219.
        var detail = Enumerable.Range(0, 20).Select(i =>
            new QuestionDetail($"q{i}", StanceDistribution.OneHot(i % 2 == 0 ? Stance.Support : Stance.Oppose), 1)).ToList();
        var r = TraceRecord.FromQuestions("p", 0, "t", detail);
        var band = ConfidenceBand.At(new TrajectoryPoint(0, r.Value, r.N, r.Questions), Stance.Support, seed: 3, resamples: 4000);
        var expectedHalf = 1.96 * Math.Sqrt(0.25 / 20);
        Assert.InRange(band.Width, 2 * expectedHalf * 0.88, 2 * expectedHalf * 1.12);
        Assert.InRange((band.Lower + band.Upper) / 2, 0.47, 0.53);
    }

    [Fact]
    public void Bootstrap_band_of_identical_questions_has_zero_width_and_drives_drift_time()
    {
        static TrajectoryPoint Same(int step, double p) {
            var d = With(Stance.Support, p);
            var r = TraceRecord.FromQuestions("p", step, "t", Enumerable.Range(0, 5).Select(i => new QuestionDetail($"q{i}", d, 5, Enumerable.Repeat(d, 5).ToList())).ToList());
            return new TrajectoryPoint(step, r.Value, r.N, r.Questions);
        }
        var band = ConfidenceBand.At(Same(0, 0.7), Stance.Support, seed: 1);
        Assert.Equal(0.7, band.Lower, 12);
        Assert.Equal(0.7, band.Upper, 12);
        // With zero-width bands only the peak itself is "within": 0.699 at step 10 is not, 0.7 at step 30 is.
        var series = new[] { Same(0, 0.2), Same(10, 0.699), Same(30, 0.7), Same(40, 0.6) };
        Assert.Equal(30.0 / 40, DriftTime.Of(series, Stance.Support, Band with { Seed = 1 }), 12);
    }

    [Fact]
    public void Value_gap_is_the_difference_of_mean_chosen_and_rejected_stances()
    {
        var gap = ValueGap.From("t", [new(0.8, 0.1, 0.1), new(0.6, 0.2, 0.2)], [new(0.2, 0.3, 0.5), new(0.2, 0.5, 0.3)]);
        Assert.Equal(0.7, gap.Chosen.Support, 12);
        Assert.Equal(0.4, gap.Rejected.Oppose, 12);
        Assert.Equal(0.5, gap.Difference(Stance.Support), 12);
        Assert.Equal(-0.25, gap.Difference(Stance.Neutral), 12);
        Assert.Equal(0.5, gap.TotalVariation, 12);
        Assert.Equal(2, gap.Pairs);
    }

    private sealed class KeywordJudge : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => new Judgement(Read(i.Answer), JudgeReadout.LogProbs)).ToList();

        private static StanceDistribution Read(string answer) =>
            answer.StartsWith("yes") ? new(0.9, 0.05, 0.05) : answer.StartsWith("no") ? new(0.05, 0.05, 0.9) : new(0.1, 0.8, 0.1);
    }

    [Fact]
    public void Value_gap_measure_judges_pairs_per_topic()
    {
        var gaps = ValueGap.Measure(new KeywordJudge(),
        [
            new("a", "q", "yes", "no"), new("b", "q", "maybe", "maybe"), new("a", "q", "yes", "maybe"),
        ]);
        Assert.Equal(["a", "b"], gaps.Select(g => g.Topic));
        Assert.Equal(0.0, gaps[1].TotalVariation, 12);
        // topic a: chosen (0.9, 0.05, 0.05) both times; rejected mean of (0.05, 0.05, 0.9) and (0.1, 0.8, 0.1)
        Assert.Equal(0.9 - 0.075, gaps[0].Difference(Stance.Support), 12);
        Assert.Equal(0.05 - 0.5, gaps[0].Difference(Stance.Oppose), 12);
    }

    [Fact]
    public void Drift_table_has_a_row_per_phase_topic_stance_with_known_values()
    {
        var table = DriftTable.From(TwoPhases());
        Assert.Equal(2 * 2 * 3, table.Rows.Count);
        var up = table.Find("sft", "immigration", Stance.Support)!;
        Assert.Equal(0.58, up.Magnitude, 12);
        Assert.Equal(0.5, up.DriftTime, 12);
        Assert.Equal((0.2, 0.78, 0.8, 30), (up.Start, up.End, up.Extreme, up.ExtremeStep));
        var down = table.Find("dpo", "immigration", Stance.Oppose)!;
        Assert.Equal(0.05, down.DriftTime, 12);
        Assert.True(double.IsNaN(table.Find("dpo", "climate change", Stance.Neutral)!.DriftTime));
        Assert.Equal("none", table.Find("dpo", "climate change", Stance.Neutral)!.DriftTimeText());

        var extremum = DriftTable.From(TwoPhases(), new DriftTableOptions { Endpoint = DriftEndpoint.Extremum });
        Assert.Equal(0.6, extremum.Find("sft", "immigration", Stance.Support)!.Magnitude, 12);
    }

    [Fact]
    public void Drift_table_json_lists_phase_topic_stance_magnitude_drift_time()
    {
        var t = new Trajectory(TwoPhases().Records().Concat(Series("ppo", "immigration", Stance.Support, 10, (0, 0.4))));
        var json = JsonDocument.Parse(DriftTable.From(t).ToJson()).RootElement;
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        var first = json[0];
        Assert.Equal("sft", first.GetProperty("phase").GetString());
        Assert.Equal("immigration", first.GetProperty("topic").GetString());
        Assert.Equal("support", first.GetProperty("stance").GetString());
        Assert.Equal(0.58, first.GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(0.5, first.GetProperty("drift_time").GetDouble(), 12);
        var single = json.EnumerateArray().Last();
        Assert.Equal("ppo", single.GetProperty("phase").GetString());
        Assert.Equal(JsonValueKind.Null, single.GetProperty("drift_time").ValueKind);
    }
}
