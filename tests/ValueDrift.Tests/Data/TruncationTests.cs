using ValueDrift.Data;
using Xunit;

namespace ValueDrift.Tests.Data;

[Trait("tier", "fast")]
public class TruncationTests
{
    private static int[] Range(int from, int count) => Enumerable.Range(from, count).ToArray();

    [Fact]
    public void Short_examples_are_untouched()
    {
        var e = new TokenizedExample(Range(0, 6), Range(100, 4));
        Assert.Same(e.PromptIds, Truncation.Apply(e, new TruncationOptions(10)).PromptIds);
        Assert.Equal(10, Truncation.Apply(e, new TruncationOptions(10)).Length);
    }

    [Fact]
    public void Prompt_keeps_its_end_then_completion_keeps_its_start()
    {
        // max 8, prompt budget 3: prompt 0..5 → last three [3 4 5]; completion 100..106 → first 8 - 3 = 5.
        var t = Truncation.Apply(new TokenizedExample(Range(0, 6), Range(100, 7)), new TruncationOptions(8, 3));
        Assert.Equal([3, 4, 5], t.PromptIds);
        Assert.Equal([100, 101, 102, 103, 104], t.CompletionIds);
    }

    [Fact]
    public void Prompt_within_budget_is_kept_whole_and_only_the_completion_is_cut()
    {
        var t = Truncation.Apply(new TokenizedExample(Range(0, 3), Range(100, 9)), new TruncationOptions(8, 4));
        Assert.Equal([0, 1, 2], t.PromptIds);
        Assert.Equal(Range(100, 5), t.CompletionIds);
    }

    [Fact]
    public void Default_prompt_budget_is_half_the_max_length()
    {
        var t = Truncation.Apply(new TokenizedExample(Range(0, 20), Range(100, 20)), new TruncationOptions(10));
        Assert.Equal(Range(15, 5), t.PromptIds);
        Assert.Equal(Range(100, 5), t.CompletionIds);
    }

    [Fact]
    public void Long_prompt_with_short_completion_is_still_cut_to_the_budget()
    {
        // 9 + 2 > 10, so the prompt goes to its last 5 tokens even though 8 would have fitted.
        var t = Truncation.Apply(new TokenizedExample(Range(0, 9), [100, 101]), new TruncationOptions(10));
        Assert.Equal(Range(4, 5), t.PromptIds);
        Assert.Equal([100, 101], t.CompletionIds);
    }

    [Fact]
    public void Pair_prompt_is_cut_by_the_longer_answer_and_answers_are_cut_alone()
    {
        var t = Truncation.Apply(new TokenizedPreference(Range(0, 4), Range(100, 2), Range(200, 9)), new TruncationOptions(6, 2));
        Assert.Equal([2, 3], t.PromptIds);
        Assert.Equal([100, 101], t.ChosenIds);
        Assert.Equal(Range(200, 4), t.RejectedIds);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(10, 10)]
    [InlineData(10, 0)]
    public void Options_that_leave_no_room_for_a_completion_are_rejected(int max, int? prompt)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TruncationOptions(max, prompt));
    }
}
