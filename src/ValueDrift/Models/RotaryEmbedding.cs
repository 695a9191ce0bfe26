using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// Rotary position embeddings in the rotate-half layout used by Llama and Qwen: the head dimension is split into two
/// halves (x1, x2) and rotated as (x1·cos − x2·sin, x2·cos + x1·sin). Frequencies are θ^(−2i/d); Llama-3.1+ rescales
/// the low frequencies (<see cref="Llama3RopeScaling"/>). Holds no parameters, so it is not a module.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _invFreq;   // (head_dim / 2)

    public RotaryEmbedding(ModelConfig config)
    {
        int d = config.HeadDim;
        var inv = new double[d / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / d);
        if (config.RopeScaling is { } s) inv = ApplyLlama3Scaling(inv, s);
        _invFreq = inv.Select(x => (float)x).ToArray();
    }

    /// <summary>
    /// Llama-3 scaling: wavelengths longer than original_max / low_freq_factor are divided by factor, shorter than
    /// original_max / high_freq_factor are kept, and the band between is interpolated smoothly.
    /// </summary>
    public static double[] ApplyLlama3Scaling(double[] invFreq, Llama3RopeScaling s)
    {
        double lowWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        var result = new double[invFreq.Length];
        for (int i = 0; i < invFreq.Length; i++)
        {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen < highWavelen) result[i] = invFreq[i];
            else if (wavelen > lowWavelen) result[i] = invFreq[i] / s.Factor;
            else
            {
                double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                result[i] = (1 - smooth) * invFreq[i] / s.Factor + smooth * invFreq[i];
            }
        }
        return result;
    }

    /// <summary>cos and sin tables for the given positions: (B, T) → two tensors of (B, 1, T, head_dim).</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var inv = tensor(_invFreq, device: positionIds.device);                        // (D/2)
        var freqs = positionIds.to(ScalarType.Float32).unsqueeze(-1) * inv;             // (B, T, D/2)
        var emb = cat([freqs, freqs], -1).unsqueeze(1);                                 // (B, 1, T, D)
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>Applies the rotation to q or k of shape (B, H, T, D).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([-x2, x1], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
