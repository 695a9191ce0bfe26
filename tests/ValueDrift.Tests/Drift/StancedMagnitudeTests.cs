using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Drift;

[Trait("tier", "fast")]
public class StancedMagnitudeTests
{
    private static StanceDistribution D(double s, double n, double o) => new(s, n, o);

    private static QuestionDetail Q(string id, StanceDistribution value, int n, StanceDistribution? stanced, int stancedN) =>
        new(id, value, n) { Stanced = stanced, StancedN = stancedN };

    private static QuestionDetail AllStanced(string id, StanceDistribution value) => Q(id, value, 2, value, 2);

    private static readonly QuestionDetail[] Start =
        [AllStanced("q1", D(0.9, 0.05, 0.05)), AllStanced("q2", D(0.8, 0.1, 0.1)), AllStanced("q3", D(0.7, 0.2, 0.1))];

    [Fact]
    public void Equals_the_all_answer_magnitude_when_every_answer_takes_a_stance()
    {
        QuestionDetail[] end = [AllStanced("q1", D(0.5, 0.3, 0.2)), AllStanced("q2", D(0.6, 0.2, 0.2)), AllStanced("q3", D(0.9, 0.05, 0.05))];
        var table = DriftTable.From(new Trajectory([TraceRecord.FromQuestions("ppo", 0, "t", Start), TraceRecord.FromQuestions("ppo", 10, "t", end)]));
        Assert.All(table.Rows, r =>
        {
            Assert.Equal(r.Magnitude, r.MagnitudeStanced!.Value, 12);
            Assert.Equal(r.MagnitudeCi!.Interval, r.MagnitudeStancedCi!.Interval);
        });
    }

    [Fact]
    public void Differs_as_computed_by_hand_when_some_answers_take_no_stance()
    {
        // q1: one of two answers lost its stance; q2: both did (no stanced value); q3 unchanged in kind.
        QuestionDetail[] end =
        [
            Q("q1", D(0.65, 0.175, 0.175), 2, D(0.97, 0.015, 0.015), 1),
            Q("q2", StanceDistribution.Uniform, 2, null, 0),
            Q("q3", D(0.8, 0.1, 0.1), 2, D(0.8, 0.1, 0.1), 2),
        ];
        var table = DriftTable.From(new Trajectory([TraceRecord.FromQuestions("ppo", 0, "t", Start), TraceRecord.FromQuestions("ppo", 10, "t", end)]));
        var support = table.Find("ppo", "t", Stance.Support)!;
        // All answers: mean(0.65, 1/3, 0.8) − mean(0.9, 0.8, 0.7) = 0.594444 − 0.8.
        Assert.Equal((0.65 + 1.0 / 3 + 0.8) / 3 - 0.8, support.Magnitude, 12);
        // Stance-taking answers: mean(0.97, 0.8) − mean(0.9, 0.8, 0.7) = 0.885 − 0.8 = +0.085.
        Assert.Equal(0.085, support.MagnitudeStanced!.Value, 12);
        // The interval pairs the questions stanced at both steps: q1 (+0.07) and q3 (+0.10).
        Assert.Equal(2, support.MagnitudeStancedCi!.Questions);
        var ci = support.MagnitudeStancedCi.Interval!;
        Assert.Equal(Bootstrap.MeanInterval([0.97 - 0.9, 0.8 - 0.7]), ci);
        Assert.True(ci.Lower >= 0.07 - 1e-12 && ci.Upper <= 0.10 + 1e-12);
        var json = DriftTable.ToJson(support);
        Assert.Equal(0.085, json.MagnitudeStanced!.Value, 12);
        Assert.Equal(ci.ToArray(), json.MagnitudeStancedCi);
    }

    [Fact]
    public void Traces_without_stanced_detail_give_none_with_a_note()
    {
        var table = DriftTable.From(new Trajectory(
        [
            TraceRecord.FromQuestions("sft", 0, "t", [new QuestionDetail("q1", D(0.5, 0.3, 0.2), 2), new QuestionDetail("q2", D(0.4, 0.3, 0.3), 2)]),
            TraceRecord.FromQuestions("sft", 5, "t", [new QuestionDetail("q1", D(0.6, 0.2, 0.2), 2), new QuestionDetail("q2", D(0.5, 0.3, 0.2), 2)]),
        ]));
        Assert.All(table.Rows, r =>
        {
            Assert.Null(r.MagnitudeStanced);
            Assert.Null(r.MagnitudeStancedCi!.Interval);
            Assert.Equal(StancedMagnitude.NoDetail, r.MagnitudeStancedCi.Note);
        });
    }

    [Fact]
    public void Health_beyond_its_tolerance_during_a_phase_is_warned_about()
    {
        TraceRecord At(int step, double unstanced, double tokens, double ended) =>
            new TraceRecord("ppo", step, "immigration", StanceDistribution.Uniform, 10) { Health = new AnswerHealth(unstanced, null, tokens, ended) };
        var warnings = HealthTolerance.Check(new Trajectory([At(0, 0.03, 66, 0.95), At(5, 0.56, 50, 0.92), At(10, 0.40, 33, 0.90)]));
        Assert.Equal(["unstanced", "mean answer tokens"], warnings.Select(w => w.Measure));
        var unstanced = warnings[0];
        Assert.Equal((0.03, 0.56, 5), (unstanced.Start, unstanced.Farthest, unstanced.Step));
        Assert.Equal("ppo, immigration: unstanced 0.03 → 0.56 at step 5 (tolerance ±0.10)", unstanced.ToString());
        Assert.Equal((66.0, 33.0, 10), (warnings[1].Start, warnings[1].Farthest, warnings[1].Step));
        // Within tolerance (±0.10 shares, ±25% of the tokens): no warning.
        Assert.Empty(HealthTolerance.Check(new Trajectory([At(0, 0.03, 66, 0.95), At(10, 0.12, 52, 0.86)])));
    }
}
