using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>The logits a model gives a token sequence, as plain numbers (for checking a checkpoint against other implementations).</summary>
public static class TokenLogits
{
    /// <summary>One row of vocabulary-size float32 logits per position of <paramref name="tokens"/> (ids checked against the vocabulary).</summary>
    public static float[][] Of(CausalLM model, IReadOnlyList<long> tokens)
    {
        if (tokens.Any(t => t < 0 || t >= model.Config.VocabSize))
            throw new Errors.ValueDriftException($"--ids: every id must be in [0, {model.Config.VocabSize}) for this model");
        using var _ = no_grad();
        using var logits = model.Forward(tensor(tokens.ToArray()).unsqueeze(0))[0];   // (T, V) float32
        var data = logits.data<float>().ToArray();
        int T = (int)logits.shape[0], V = (int)logits.shape[1];
        return Enumerable.Range(0, T).Select(t => data.AsSpan(t * V, V).ToArray()).ToArray();
    }
}
