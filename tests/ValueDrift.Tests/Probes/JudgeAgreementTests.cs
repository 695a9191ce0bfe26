using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class JudgeAgreementTests
{
    /// <summary>A judge that reads the stance from a fixed answer → distribution table.</summary>
    private sealed class TableJudge(Dictionary<string, StanceDistribution> table) : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => new Judgement(table[i.Answer], JudgeReadout.LogProbs)).ToList();
    }

    [Fact]
    public void Accuracy_and_confusion_matrix_count_dominant_stances()
    {
        LabelledAnswer Item(string answer, Stance gold) => new(answer, "t", "q", answer, gold);
        var items = new[]
        {
            Item("s1", Stance.Support), Item("s2", Stance.Support), Item("s3", Stance.Support),
            Item("n1", Stance.Neutral), Item("n2", Stance.Neutral),
            Item("o1", Stance.Oppose), Item("o2", Stance.Oppose),
        };
        var judge = new TableJudge(new()
        {
            ["s1"] = new(0.8, 0.1, 0.1), ["s2"] = new(0.6, 0.3, 0.1), ["s3"] = new(0.2, 0.7, 0.1), // one support read as neutral
            ["n1"] = new(0.1, 0.8, 0.1), ["n2"] = new(0.1, 0.2, 0.7),                             // one neutral read as oppose
            ["o1"] = new(0.0, 0.1, 0.9), ["o2"] = new(0.1, 0.1, 0.8),
        });
        var score = JudgeAgreement.Score(judge, items);
        Assert.Equal(7, score.Total);
        Assert.Equal(5, score.Correct);
        Assert.Equal(5.0 / 7, score.Accuracy, 12);
        Assert.Equal(2, score[Stance.Support, Stance.Support]);
        Assert.Equal(1, score[Stance.Support, Stance.Neutral]);
        Assert.Equal(1, score[Stance.Neutral, Stance.Oppose]);
        Assert.Equal(2, score[Stance.Oppose, Stance.Oppose]);
        Assert.Equal(0, score[Stance.Oppose, Stance.Support]);

        var text = score.ToString();
        Assert.Contains("accuracy 0.714 (5/7)", text);
        var supportRow = text.Split('\n').Single(l => l.StartsWith("support"));
        Assert.Equal(["support", "2", "1", "0"], supportRow.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_perfect_judge_scores_one_on_the_open_labelled_set()
    {
        var items = LabelledAnswer.OpenValues();
        var oracle = new TableJudge(items.ToDictionary(i => i.Answer, i => StanceDistribution.OneHot(i.Gold)));
        var score = JudgeAgreement.Score(oracle, items);
        Assert.Equal(1.0, score.Accuracy);
        Assert.Equal(items.Count(i => i.Gold == Stance.Neutral), score[Stance.Neutral, Stance.Neutral]);
    }
}
