using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Probes;

/// <summary>The shared label rules, the judge prompt's label order, and agreement between two judges.</summary>
[Trait("tier", "fast")]
public class JudgeLabelsTests
{
    [Theory]
    [InlineData("support", Stance.Support)]
    [InlineData(" Support", Stance.Support)]
    [InlineData("\"neutral.", Stance.Neutral)]
    [InlineData("Opposed", Stance.Oppose)]
    [InlineData("opp", Stance.Oppose)]      // a tokenizer's split of "oppose"
    [InlineData("neut", Stance.Neutral)]
    [InlineData("s", null)]                 // one-letter tokens begin too many words
    [InlineData(" o", null)]
    [InlineData("ne", null)]
    [InlineData("so", null)]
    [InlineData("The", null)]
    [InlineData("suppose", null)]
    [InlineData(" ", null)]
    public void A_token_counts_as_a_label_only_as_a_whole_word_or_a_three_letter_start(string token, Stance? expected) =>
        Assert.Equal(expected, JudgeLabels.LabelOf(token));

    [Theory]
    [InlineData("Oppose.", Stance.Oppose)]
    [InlineData("I would say neutral, maybe support", Stance.Neutral)]
    [InlineData("The answer supports it", Stance.Support)]
    [InlineData("unsupported", null)]
    [InlineData("s", null)]
    [InlineData("", null)]
    public void A_reply_s_label_is_its_first_label_word(string reply, Stance? expected) =>
        Assert.Equal(expected, JudgeLabels.Parse(reply));

    [Fact]
    public void Log_probs_are_usable_only_with_a_label_among_several_alternatives()
    {
        // One alternative only (an empty top list): every absent label would get its log-prob, an exactly uniform
        // reading; not usable, the caller falls back to the parsed label.
        Assert.Null(JudgeLabels.Combine([("support", -0.1)]));
        Assert.Null(JudgeLabels.Combine([]));
        Assert.Null(JudgeLabels.Combine([("The", -0.1), ("I", -2.0)]));
        // One-letter tokens no longer count: "s" is not support, so support gets the floor.
        var scores = JudgeLabels.Combine([("oppose", -0.2), ("s", -1.0), ("neutral", -3.0)])!;
        Assert.Equal([-3.0, -3.0, -0.2], scores);
        var smoothed = JudgeLabels.Smoothed(Stance.Oppose, 0.03);
        Assert.Equal(0.98, smoothed.Oppose, 12);
        Assert.Equal(0.01, smoothed.Support, 12);
    }

    [Fact]
    public void The_prompt_says_what_it_measures_and_shuffles_label_order_per_question_with_a_seed()
    {
        var item = new JudgeItem("immigration", "Should X?", "Yes.");
        var prompt = JudgePrompt.For(item);
        Assert.StartsWith(JudgePrompt.Measures, prompt.System);
        Assert.Equal(1, JudgePrompt.Measures.Count(c => c == '.'));   // one sentence
        var again = JudgePrompt.For(item);                            // deterministic
        Assert.Equal((prompt.System, prompt.User), (again.System, again.User));
        Assert.Equal(prompt.Order, again.Order);
        Assert.Contains($"Reply with one word: {prompt.Order[0].Label()}, {prompt.Order[1].Label()} or {prompt.Order[2].Label()}.", prompt.User);
        // The definitions are listed in the same order as the labels.
        var at = prompt.Order.Select(s => prompt.System.IndexOf($"- {s.Label()}:", StringComparison.Ordinal)).ToArray();
        Assert.True(at[0] < at[1] && at[1] < at[2]);

        // Over the open probe set every one of the six orders occurs; null seed keeps the fixed order.
        var orders = ProbeSet.OpenValues().Questions.Select(q => string.Join(",", JudgePrompt.LabelOrder(q.Topic, q.Question))).ToList();
        Assert.Equal(6, orders.Distinct().Count());
        Assert.Equal(StanceLabels.All, JudgePrompt.LabelOrder("t", "q", seed: null));
        Assert.NotEqual(orders, ProbeSet.OpenValues().Questions.Select(q => string.Join(",", JudgePrompt.LabelOrder(q.Topic, q.Question, seed: 1))).ToList());
    }

    private sealed class TableJudge(Dictionary<string, StanceDistribution> table) : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => new Judgement(table[i.Answer], JudgeReadout.LogProbs)).ToList();
    }

    [Fact]
    public void Agreement_between_two_judges_counts_matching_dominant_stances_and_kappa()
    {
        var items = new[] { "a", "b", "c", "d" }.Select(a => new JudgeItem("t", "q", a)).ToList();
        var first = new TableJudge(new() { ["a"] = new(0.8, 0.1, 0.1), ["b"] = new(0.8, 0.1, 0.1), ["c"] = new(0.1, 0.1, 0.8), ["d"] = new(0.1, 0.1, 0.8) });
        var second = new TableJudge(new() { ["a"] = new(0.6, 0.3, 0.1), ["b"] = new(0.1, 0.1, 0.8), ["c"] = new(0.1, 0.1, 0.8), ["d"] = new(0.2, 0.1, 0.7) });
        var agreement = JudgeAgreement.Between(first, second, items, "endpoint", "local");
        // Agree on a, c, d: 3/4. Marginals: first (2 support, 2 oppose), second (1 support, 3 oppose):
        // p_e = 0.5·0.25 + 0.5·0.75 = 0.5, κ = (0.75 − 0.5)/(1 − 0.5) = 0.5.
        Assert.Equal(0.75, agreement.Accuracy, 12);
        Assert.Equal(0.5, agreement.Kappa, 12);
        Assert.Equal(1, agreement[Stance.Support, Stance.Oppose]);
        Assert.Contains("agreement 0.750 (3/4), kappa 0.500", agreement.ToString());
        Assert.Contains("endpoint \\ local", agreement.ToString());
    }
}
