using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>
/// log π^T(y | x) of answers under a model's tempered policy π^T = softmax(logits / T), the policy the generation
/// probe samples from at temperature T: Σ over the answer's tokens (its stop token included when it emitted one) of
/// log softmax(logits_t / T)[y_t], in float32 per token and summed in float64. The sequences (prompt then answer)
/// are right-padded into batches; padding comes after every real token, so it changes no real position.
/// </summary>
public static class TemperedLogProbs
{
    /// <summary>One sum per (prompt, answer) row, in order; the model's mode and gradient setting as the caller has them.</summary>
    public static double[] Sum(CausalLM model, IReadOnlyList<(int[] Prompt, int[] Answer)> rows, double temperature, int batchSize, int padId)
    {
        if (temperature <= 0 || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "a tempered policy needs T > 0");
        if (rows.Any(r => r.Prompt.Length == 0 || r.Answer.Length == 0)) throw new ArgumentException("every row needs a prompt and an answer token", nameof(rows));
        var result = new double[rows.Count];
        var at = 0;
        foreach (var chunk in rows.Chunk(Math.Max(1, batchSize)))
        {
            using var scope = NewDisposeScope();
            int B = chunk.Length, T = chunk.Max(r => r.Prompt.Length + r.Answer.Length);
            var ids = new long[B, T];
            var mask = new long[B, T];
            var answer = new float[B, T];       // 1 where the token at t is an answer token (predicted from t − 1)
            for (var b = 0; b < B; b++)
            {
                var (p, a) = chunk[b];
                for (var t = 0; t < T; t++)
                {
                    var i = t < p.Length ? p[t] : t - p.Length < a.Length ? a[t - p.Length] : padId;
                    ids[b, t] = i;
                    mask[b, t] = t < p.Length + a.Length ? 1 : 0;
                    answer[b, t] = t >= p.Length && t < p.Length + a.Length ? 1 : 0;
                }
            }
            var device = model.Device;
            var idsT = tensor(ids, device: device);
            var logits = model.Forward(idsT, tensor(mask, device: device)).narrow(1, 0, T - 1) / temperature;   // (B, T−1, V) float32
            var targets = idsT.narrow(1, 1, T - 1).unsqueeze(-1);                                                  // (B, T−1, 1)
            var tokenLogps = logits.gather(-1, targets).squeeze(-1) - logits.logsumexp(-1);                        // (B, T−1)
            var sums = (tokenLogps.to(ScalarType.Float64) * tensor(answer, device: device).narrow(1, 1, T - 1).to(ScalarType.Float64)).sum(1);
            foreach (var v in sums.cpu().data<double>().ToArray()) result[at++] = v;
        }
        return result;
    }
}
