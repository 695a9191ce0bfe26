using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Data;

[Trait("tier", "fast")]
public class BatchingTests
{
    private static long[] Flat(TorchSharp.torch.Tensor t) => t.data<long>().ToArray();

    [Fact]
    public void Sft_batch_is_right_padded_with_completion_only_mask()
    {
        // Rows: prompt [11 12] + completion [13], and prompt [21] + completion [22 23 24]; pad 0; T = 4.
        using var b = Batching.Collate([new TokenizedExample([11, 12], [13]), new TokenizedExample([21], [22, 23, 24])], padId: 0);
        Assert.Equal([2L, 4L], b.InputIds.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, b.InputIds.dtype);
        Assert.Equal([11L, 12, 13, 0, /**/ 21, 22, 23, 24], Flat(b.InputIds));
        Assert.Equal([1L, 1, 1, 0, /**/ 1, 1, 1, 1], Flat(b.AttentionMask));
        Assert.Equal([0L, 0, 1, 0, /**/ 0, 1, 1, 1], Flat(b.CompletionMask));
    }

    [Fact]
    public void Training_on_all_tokens_masks_only_padding()
    {
        using var b = Batching.Collate([new TokenizedExample([11, 12], [13]), new TokenizedExample([21], [22, 23, 24])], padId: 9, completionOnlyLoss: false);
        Assert.Equal([11L, 12, 13, 9, 21, 22, 23, 24], Flat(b.InputIds));
        Assert.Equal([1L, 1, 1, 0, 1, 1, 1, 1], Flat(b.CompletionMask));
    }

    [Fact]
    public void Preference_batch_puts_chosen_rows_then_rejected_rows()
    {
        using var b = Batching.CollatePreference(
            [new TokenizedPreference([1, 2], [3], [4, 5, 6]), new TokenizedPreference([7], [8, 9], [10])], padId: 0);
        Assert.Equal(2, b.Pairs);
        Assert.Equal([4L, 5L], b.InputIds.shape);   // 2B rows, T = longest (2 + 3)
        Assert.Equal([
            1L, 2, 3, 0, 0,     // pair 0 chosen
            7, 8, 9, 0, 0,      // pair 1 chosen
            1, 2, 4, 5, 6,      // pair 0 rejected
            7, 10, 0, 0, 0], Flat(b.InputIds));
        Assert.Equal([
            0L, 0, 1, 0, 0,
            0, 1, 1, 0, 0,
            0, 0, 1, 1, 1,
            0, 1, 0, 0, 0], Flat(b.CompletionMask));
        Assert.Equal([
            1L, 1, 1, 0, 0,
            1, 1, 1, 0, 0,
            1, 1, 1, 1, 1,
            1, 1, 0, 0, 0], Flat(b.AttentionMask));
    }

    [Fact]
    public void Empty_batch_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Batching.Collate([], 0));
    }

    [Fact]
    public void Encoder_uses_template_prompt_and_completion_with_eos()
    {
        var encoder = new ExampleEncoder(new ByteTokenizer(), new PlainChatTemplate());
        var e = encoder.Encode(Conversation.SingleTurn("hi", "ok"));
        // "User: hi\nAssistant: " as bytes (offset 6); completion "ok" then <|eos|> = 2.
        Assert.Equal("User: hi\nAssistant: "u8.ToArray().Select(b => b + 6).ToArray(), e.PromptIds);
        Assert.Equal([6 + 'o', 6 + 'k', 2], e.CompletionIds);
    }

    [Fact]
    public void Encoder_passes_token_id_pairs_through_and_truncates_them()
    {
        var encoder = new ExampleEncoder(null, null, new TruncationOptions(maxLength: 5, maxPromptLength: 2));
        var t = encoder.Encode(PreferencePair.FromIds([1, 2, 3, 4], [5, 6, 7, 8], [9]));
        Assert.Equal([3, 4], t.PromptIds);
        Assert.Equal([5, 6, 7], t.ChosenIds);
        Assert.Equal([9], t.RejectedIds);
    }

    [Fact]
    public void Encoder_skip_bad_rows_counts_unusable_examples()
    {
        var encoder = new ExampleEncoder(new ByteTokenizer(), new PlainChatTemplate());
        var origin = new DataOrigin("d.jsonl", 7);
        var r = encoder.EncodeAll([Conversation.SingleTurn("a", "b"), Conversation.SingleTurn("a", " ", origin), Conversation.SingleTurn("c", "d")], skipBadRows: true);
        Assert.Equal(2, r.Rows.Count);
        Assert.Equal(1, r.Skipped);
        Assert.Contains("d.jsonl: row 7: field 'completion'", r.SkipReasons[0]);
        var ex = Assert.Throws<DataFormatException>(() => encoder.EncodeAll([Conversation.SingleTurn("a", " ", origin)]));
        Assert.Equal(("d.jsonl", 7L, "completion"), (ex.File, ex.Row!.Value, ex.Field));
    }

    [Fact]
    public void Empty_token_prompt_is_a_data_error()
    {
        var ex = Assert.Throws<DataFormatException>(() => new ExampleEncoder(null, null).Encode(PreferencePair.FromIds([], [1], [2])));
        Assert.Equal("prompt", ex.Field);
    }
}
