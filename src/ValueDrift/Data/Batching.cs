using static TorchSharp.torch;

namespace ValueDrift.Data;

/// <summary>Collates tokenised examples into right-padded tensors (see <see cref="Batch"/> for the layout).</summary>
public static class Batching
{
    /// <summary>An SFT batch: one row per example, prompt then completion.</summary>
    /// <param name="completionOnlyLoss">
    /// True (default): the loss covers the completion and the earlier answers an example marks in
    /// <see cref="TokenizedExample.PromptLoss"/>; false: every real token.
    /// </param>
    public static Batch Collate(IReadOnlyList<TokenizedExample> examples, int padId, bool completionOnlyLoss = true, Device? device = null)
    {
        if (examples.Count == 0) throw new ArgumentException("cannot collate an empty batch", nameof(examples));
        var (ids, attention, completion) = Pad([.. examples.Select(e => (e.PromptIds, e.CompletionIds, e.PromptLoss))], padId, completionOnlyLoss, device);
        return new Batch(ids, attention, completion);
    }

    /// <summary>A preference batch: B chosen rows, then the B rejected rows of the same pairs, padded to one length.</summary>
    public static PreferenceBatch CollatePreference(IReadOnlyList<TokenizedPreference> pairs, int padId, bool completionOnlyLoss = true, Device? device = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("cannot collate an empty batch", nameof(pairs));
        var rows = pairs.Select(p => (p.PromptIds, p.ChosenIds, (bool[]?)null)).Concat(pairs.Select(p => (p.PromptIds, p.RejectedIds, (bool[]?)null))).ToArray();
        var (ids, attention, completion) = Pad(rows, padId, completionOnlyLoss, device);
        return new PreferenceBatch(ids, attention, completion, pairs.Count);
    }

    private static (Tensor Ids, Tensor Attention, Tensor Completion) Pad((int[] Prompt, int[] Completion, bool[]? PromptLoss)[] rows, int padId, bool completionOnlyLoss, Device? device)
    {
        var b = rows.Length;
        var t = rows.Max(r => r.Prompt.Length + r.Completion.Length);
        var ids = new long[b * t];
        var attention = new long[b * t];
        var loss = new long[b * t];
        Array.Fill(ids, padId);
        for (var i = 0; i < b; i++)
        {
            var (prompt, completion, promptLoss) = rows[i];
            var row = i * t;
            for (var j = 0; j < prompt.Length; j++)
            {
                ids[row + j] = prompt[j];
                attention[row + j] = 1;
                loss[row + j] = !completionOnlyLoss || promptLoss is not null && promptLoss[j] ? 1 : 0;
            }
            for (var j = 0; j < completion.Length; j++)
            {
                var at = row + prompt.Length + j;
                ids[at] = completion[j];
                attention[at] = 1;
                loss[at] = 1;
            }
        }
        long[] shape = [b, t];
        return (tensor(ids, shape, device: device), tensor(attention, shape, device: device), tensor(loss, shape, device: device));
    }
}
