using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// A right-padded batch of token sequences, each a prompt followed by a completion.
/// <c>InputIds</c>, <c>AttentionMask</c> and <c>CompletionMask</c> are all (B, T); the completion mask is 1 exactly
/// on completion tokens (the tokens the loss is computed on). Right padding means real tokens never attend to pads,
/// so the model can run without an attention mask.
/// </summary>
public sealed class TokenBatch : IDisposable
{
    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor CompletionMask { get; }
    public int Count => (int)InputIds.shape[0];
    /// <summary>Completion tokens per row, known before any forward pass (used to normalise accumulated losses).</summary>
    public int[] CompletionLengths { get; }

    private TokenBatch(Tensor ids, Tensor attention, Tensor completion, int[] lengths)
    { InputIds = ids; AttentionMask = attention; CompletionMask = completion; CompletionLengths = lengths; }

    /// <summary>Collates (prompt, completion) id arrays; <paramref name="trainOnPrompt"/> puts prompt tokens in the loss too.</summary>
    public static TokenBatch Collate(IReadOnlyList<(int[] Prompt, int[] Completion)> rows, int padId, Device? device = null, bool trainOnPrompt = false)
    {
        if (rows.Count == 0) throw new ArgumentException("empty batch");
        int B = rows.Count, T = rows.Max(r => r.Prompt.Length + r.Completion.Length);
        var ids = new long[B, T];
        var att = new long[B, T];
        var comp = new long[B, T];
        var lengths = new int[B];
        for (int b = 0; b < B; b++)
        {
            var (p, c) = rows[b];
            for (int t = 0; t < T; t++) ids[b, t] = padId;
            for (int t = 0; t < p.Length; t++) { ids[b, t] = p[t]; att[b, t] = 1; comp[b, t] = trainOnPrompt && t > 0 ? 1 : 0; }
            for (int t = 0; t < c.Length; t++) { ids[b, p.Length + t] = c[t]; att[b, p.Length + t] = 1; comp[b, p.Length + t] = 1; }
            // The first token of a sequence is never predicted, so it cannot be in the loss.
            if (p.Length == 0 && c.Length > 0) comp[b, 0] = 0;
            lengths[b] = 0;
            for (int t = 0; t < T; t++) lengths[b] += (int)comp[b, t];
        }
        var dev = device ?? CPU;
        return new TokenBatch(tensor(ids, device: dev), tensor(att, device: dev), tensor(comp, device: dev), lengths);
    }

    /// <summary>How many tokens of a row <see cref="Collate"/> puts in the loss, without building tensors.</summary>
    public static int LossTokens(int[] prompt, int[] completion, bool trainOnPrompt = false) =>
        trainOnPrompt || prompt.Length == 0 ? Math.Max(0, prompt.Length + completion.Length - 1) : completion.Length;

    public void Dispose() { InputIds.Dispose(); AttentionMask.Dispose(); CompletionMask.Dispose(); }
}
