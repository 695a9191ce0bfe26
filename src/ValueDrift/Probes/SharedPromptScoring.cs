using ValueDrift.Data;
using ValueDrift.Models;
using ValueDrift.Training;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>
/// Completion log-likelihoods of a batch whose examples share a few prompts (a probe question's reference answers):
/// each distinct prompt runs through the model once, left-padded, into a <see cref="KvCache"/>; its keys, values and
/// last logits are copied to every completion of that prompt, and the completions, right-padded, run on top of them.
/// The same numbers as one forward pass over every (prompt, completion) sequence up to float rounding
/// (<c>SharedPromptScoringTests</c>), for the prompt tokens of one sequence instead of one per answer.
/// </summary>
public static class SharedPromptScoring
{
    /// <summary>
    /// Token-mean log-likelihood ℓ(y) of each example's completion given its prompt: (N) float32, the model's mode
    /// and gradient setting as the caller has them. Every prompt and completion needs at least one token.
    /// </summary>
    public static Tensor MeanLogLikelihoods(CausalLM model, IReadOnlyList<TokenizedExample> examples, int padId)
    {
        if (examples.Count == 0) throw new ArgumentException("no examples to score", nameof(examples));
        if (examples.Any(e => e.PromptIds.Length == 0 || e.CompletionIds.Length == 0))
            throw new ArgumentException("every example needs a prompt and a completion token", nameof(examples));
        using var scope = NewDisposeScope();
        var device = model.Device;
        var groups = PromptGroups.Of(examples.Select(e => e.PromptIds).ToList());
        var prompts = groups.Firsts.Select(f => examples[(int)f].PromptIds).ToList();
        int U = prompts.Count, N = examples.Count;
        int Lp = prompts.Max(p => p.Length), Tc = examples.Max(e => e.CompletionIds.Length);

        var promptIds = new long[U, Lp];                                   // left-padded, so every prompt ends in the last column
        var promptMask = new long[U, Lp];
        for (int u = 0; u < U; u++)
            for (int t = 0; t < Lp; t++)
            {
                int at = t - (Lp - prompts[u].Length);
                promptIds[u, t] = at >= 0 ? prompts[u][at] : padId;
                promptMask[u, t] = at >= 0 ? 1 : 0;
            }
        var ids = new long[N, Tc + 1];                                     // column 0: the prompt's last token, never scored
        var completionMask = new long[N, Tc + 1];
        for (int n = 0; n < N; n++)
        {
            var c = examples[n].CompletionIds;
            ids[n, 0] = examples[n].PromptIds[^1];
            for (int t = 0; t < Tc; t++) { ids[n, t + 1] = t < c.Length ? c[t] : padId; completionMask[n, t + 1] = t < c.Length ? 1 : 0; }
        }

        using var cache = new KvCache(model.LayerCount, capacity: Lp + Tc);
        var promptMaskT = tensor(promptMask, device: device);
        var last = model.Forward(tensor(promptIds, device: device), promptMaskT, cache).select(1, -1);   // (U, V)
        var expand = tensor(groups.RowOf, device: device);
        cache.Select(expand);                                                                          // (N, kv_heads, Lp, D) per layer
        var idsT = tensor(ids, device: device);
        var completionMaskT = tensor(completionMask, device: device);
        var mask = cat([promptMaskT.index_select(0, expand), completionMaskT.narrow(1, 1, Tc)], 1);     // (N, Lp + Tc)
        var logits = model.Forward(idsT.narrow(1, 1, Tc), mask, cache);                                // (N, Tc, V)
        // Logits at column t predict token t + 1: the prompt's last logits predict the first completion token.
        var aligned = cat([last.index_select(0, expand).unsqueeze(1), logits], 1);                     // (N, Tc + 1, V)
        return SequenceLogProbs.Compute(aligned, idsT, completionMaskT).Mean.MoveToOuterDisposeScope();
    }
}
