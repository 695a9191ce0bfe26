using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>
/// log π^T(y | x) of answers under a model's tempered policy π^T = softmax(logits / T), the policy the generation
/// probe samples from at temperature T: Σ over the answer's tokens (its stop token included when it emitted one) of
/// log softmax(logits_t / T)[y_t], in float32 per token and summed in float64. The sequences (prompt then answer)
/// are right-padded into batches; padding comes after every real token, so it changes no real position. The head runs
/// on a slice of positions at a time (at most <see cref="MaxLogitElements"/> logits), so a real vocabulary's
/// (B, T, V) logits never exist at once.
/// </summary>
public static class TemperedLogProbs
{
    /// <summary>Most float32 logits held at once (2^27: 512 MiB).</summary>
    public const long MaxLogitElements = 1L << 27;

    /// <summary>
    /// Most tokens (rows × padded length) in one forward pass. A probe's 200 answers (25,419 tokens) in one pass of a
    /// world-sized model took 1.05–1.14 s on one thread, against 0.81–0.86 s in passes of up to 1,024–4,096 tokens, and
    /// 2–8 s against 1.5–1.8 s beside a second busy process (docs/benchmarks.md, "Seeds as worker processes";
    /// benchmarks/divergence-batches.fsx): the activations of one huge pass (its attention scores alone about 46 MB)
    /// outgrow the caches.
    /// </summary>
    public const int MaxBatchTokens = 4096;

    /// <summary>
    /// One sum per (prompt, answer) row, in order; the model's mode and gradient setting as the caller has them. A pass
    /// takes at most <paramref name="batchSize"/> rows and <paramref name="maxBatchTokens"/> tokens (one row at least).
    /// </summary>
    public static double[] Sum(CausalLM model, IReadOnlyList<(int[] Prompt, int[] Answer)> rows, double temperature, int batchSize, int padId,
        long maxLogitElements = MaxLogitElements, int maxBatchTokens = MaxBatchTokens)
    {
        if (temperature <= 0 || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "a tempered policy needs T > 0");
        if (rows.Any(r => r.Prompt.Length == 0 || r.Answer.Length == 0)) throw new ArgumentException("every row needs a prompt and an answer token", nameof(rows));
        var result = new double[rows.Count];
        // Rows of similar length share a batch, so little of it is padding; results go back to the rows' order.
        var order = Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].Prompt.Length + rows[i].Answer.Length).ToArray();
        var at = 0;
        foreach (var chunk in Chunks(order.Select(i => rows[i]).ToList(), Math.Max(1, batchSize), maxBatchTokens))
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
            var hidden = model.Hidden(idsT, tensor(mask, device: device));                                         // (B, T, C)
            var weight = tensor(answer, device: device).to(ScalarType.Float64);                                    // (B, T)
            var sums = zeros(B, dtype: ScalarType.Float64, device: device);
            // Position t's logits predict token t + 1; only positions before an answer token matter.
            var first = chunk.Min(r => r.Prompt.Length) - 1;
            var slice = (int)Math.Max(1, maxLogitElements / ((long)B * model.Config.VocabSize));
            for (var t0 = first; t0 < T - 1; t0 += slice)
            {
                using var inner = NewDisposeScope();
                var len = Math.Min(slice, T - 1 - t0);
                var logits = model.Head(hidden.narrow(1, t0, len)) / temperature;                                  // (B, len, V) float32
                var targets = idsT.narrow(1, t0 + 1, len).unsqueeze(-1);                                            // (B, len, 1)
                var tokenLogps = logits.gather(-1, targets).squeeze(-1) - logits.logsumexp(-1);                     // (B, len)
                sums.add_((tokenLogps.to(ScalarType.Float64) * weight.narrow(1, t0 + 1, len)).sum(1));
            }
            foreach (var v in sums.cpu().data<double>().ToArray()) result[order[at++]] = v;
        }
        return result;
    }

    /// <summary>Consecutive rows (sorted by length, so the last row of a chunk is its longest) within both limits.</summary>
    private static IEnumerable<(int[] Prompt, int[] Answer)[]> Chunks(IReadOnlyList<(int[] Prompt, int[] Answer)> sorted, int batchSize, int maxBatchTokens)
    {
        var chunk = new List<(int[] Prompt, int[] Answer)>();
        foreach (var row in sorted)
        {
            var length = row.Prompt.Length + row.Answer.Length;
            if (chunk.Count > 0 && (chunk.Count == batchSize || (long)(chunk.Count + 1) * length > maxBatchTokens))
            {
                yield return chunk.ToArray();
                chunk.Clear();
            }
            chunk.Add(row);
        }
        if (chunk.Count > 0) yield return chunk.ToArray();
    }
}
