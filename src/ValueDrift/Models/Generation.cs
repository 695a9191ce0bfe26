using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>How to sample. Temperature 0 means greedy (argmax).</summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; } = 0.0;
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability mass reaches TopP.</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>A sequence ends when it emits one of these (the stop token is not returned unless <see cref="KeepStopToken"/>).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>End a stopped sequence's tokens with its stop token (PPO trains the policy to emit it).</summary>
    public bool KeepStopToken { get; init; }
    public long Seed { get; init; } = 0;
    /// <summary>Reuse keys and values of earlier positions. Off recomputes the whole prefix each step (for checking).</summary>
    public bool UseCache { get; init; } = true;
    /// <summary>Token fed for padding; never attended to.</summary>
    public int PadTokenId { get; init; } = 0;
    /// <summary>
    /// Also return each sequence's log-probability under the tempered policy it was sampled from
    /// (<see cref="Generated.LogProb"/>); needs Temperature &gt; 0. Draws nothing: the samples are the same either way.
    /// </summary>
    public bool ReturnLogProbs { get; init; }
}

/// <summary>The new tokens of one sequence (its stop token last with <see cref="GenerationOptions.KeepStopToken"/>), and
/// whether it ended on a stop token (else it hit MaxNewTokens).</summary>
public sealed record Generated(int[] Tokens, bool Stopped)
{
    /// <summary>
    /// With <see cref="GenerationOptions.ReturnLogProbs"/>: Σ over the sampled tokens (the stop token included when it
    /// was emitted, kept or not) of log softmax(logits / T) at the step that drew it, in float64; else null. Top-p
    /// truncation is not applied to it: it is the tempered policy's log-probability.
    /// </summary>
    public double? LogProb { get; init; }
}

/// <summary>
/// Batched autoregressive sampling. Prompts of different lengths are left-padded so every sequence's next token sits
/// in the last column; the attention mask hides the pads and positions count real tokens only, so each sequence gets
/// the continuation it would get alone (up to float rounding). Deterministic for a fixed seed.
/// With <c>rowSeeds</c>, each row draws from its own seeded stream, so a row's sample does not depend on which other
/// rows share its batch (probes need this: their results must not change with the batch size).
/// </summary>
public static class Generation
{
    public static IReadOnlyList<Generated> Generate(CausalLM model, IReadOnlyList<int[]> prompts, GenerationOptions options, IReadOnlyList<long>? rowSeeds = null)
    {
        if (rowSeeds is not null && rowSeeds.Count != prompts.Count) throw new ArgumentException($"need one seed per prompt (got {rowSeeds.Count} for {prompts.Count})");
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token (e.g. BOS)");
        if (options.Temperature < 0 || !(options.TopP > 0 && options.TopP <= 1)) throw new ArgumentException("temperature must be ≥ 0 and top_p in (0, 1]");
        int B = prompts.Count, L = prompts.Max(p => p.Length);
        var device = model.Device;
        var generators = (rowSeeds ?? [options.Seed]).Select(s => new torch.Generator((ulong)s, device)).ToArray();
        var stop = options.StopTokenIds.ToHashSet();
        // Finished rows leave the batch when no other row's tokens depend on them: each row has its own random stream
        // (row seeds) or decoding is greedy. One shared stream draws for the whole batch, so there every row stays.
        bool compact = options.UseCache && (rowSeeds is not null || options.Temperature == 0);

        var ids = new long[B, L];
        var mask = new long[B, L + options.MaxNewTokens];
        for (int b = 0; b < B; b++)
        {
            for (int t = 0; t < prompts[b].Length; t++) { ids[b, L - prompts[b].Length + t] = prompts[b][t]; mask[b, L - prompts[b].Length + t] = 1; }
            for (int t = 0; t < L - prompts[b].Length; t++) ids[b, t] = options.PadTokenId;
            for (int t = L; t < L + options.MaxNewTokens; t++) mask[b, t] = 1;   // every generated position is attended (pads after a stop are never read back)
        }

        // Rows with the same prompt (a probe's K answers to one question) share one prefill: only the distinct
        // prompts run through the model, and their keys, values and last logits are copied to every row that has them.
        var groups = PromptGroups.Of(prompts);
        bool sharePrefill = options.UseCache && groups.Count < B;

        if (options.ReturnLogProbs && options.Temperature <= 0) throw new ArgumentException("log-probabilities of the tempered policy need temperature > 0");
        var outputs = Enumerable.Range(0, B).Select(_ => new List<int>()).ToArray();
        var logProbs = new double[B];
        var done = new bool[B];
        var stopped = new bool[B];
        var active = Enumerable.Range(0, B).ToArray();    // original row of each batch row
        using var cache = options.UseCache ? new KvCache(model.LayerCount, capacity: L + options.MaxNewTokens) : null;
        var allIds = tensor(ids, device: device);            // (B, L + step): the whole sequence, fed when not caching
        var maskBuffer = tensor(mask, device: device);       // (B, L + MaxNewTokens); the first L + step columns are read
        var feed = allIds.alias();
        var decodeThreads = default(IntraOpThreads);
        try
        {
            using var _ = no_grad();
            for (int step = 0; step < options.MaxNewTokens; step++)
            {
                // Prefill (step 0) keeps every thread; a small model's cached decode steps run on one (DecodeThreads).
                if (step == 1 && options.UseCache && DecodeThreads(model, active.Length) is { } n) decodeThreads = IntraOpThreads.Use(n);
                long[] next;
                using (var scope = NewDisposeScope())
                {
                    var input = options.UseCache ? feed : allIds;
                    var seen = maskBuffer.narrow(1, 0, L + step);                  // (B_active, T_past + T_in)
                    Tensor last;                                                   // (B_active, V)
                    if (step == 0 && sharePrefill)
                    {
                        using var distinct = tensor(groups.Firsts, device: device);
                        using var expand = tensor(groups.RowOf, device: device);
                        var logits = model.Forward(input.index_select(0, distinct), seen.index_select(0, distinct), cache);   // (U, L, V)
                        last = logits.select(1, -1).index_select(0, expand);      // (B, V)
                        cache!.Select(expand);                                     // (B, kv_heads, L, D) per layer
                    }
                    else last = model.Forward(input, seen, cache).select(1, -1);  // (B_active, T_in, V) → (B_active, V)
                    next = generators.Length == 1 ? Sample(last, options, generators[0]).data<long>().ToArray()
                        : SampleRows(last, options, active.Select(r => generators[r]).ToArray(), active.Select(r => done[r]).ToArray());
                    if (options.ReturnLogProbs)
                    {
                        // log π^T of the drawn token per row (B_active); rows already done drew a pad and are skipped below.
                        var drawn = tensor(next, device: device).unsqueeze(1);
                        var lp = (last / options.Temperature).log_softmax(-1).gather(1, drawn).squeeze(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
                        for (int i = 0; i < active.Length; i++) if (!done[active[i]]) logProbs[active[i]] += lp[i];
                    }
                }
                bool all = true;
                int finishedNow = 0;
                for (int i = 0; i < active.Length; i++)
                {
                    int b = active[i];
                    if (done[b]) { next[i] = options.PadTokenId; continue; }
                    if (stop.Contains((int)next[i]))
                    {
                        if (options.KeepStopToken) outputs[b].Add((int)next[i]);
                        done[b] = true; stopped[b] = true; next[i] = options.PadTokenId; finishedNow++;
                    }
                    else outputs[b].Add((int)next[i]);
                    all &= done[b];
                }
                if (all || step == options.MaxNewTokens - 1) break;
                var nextT = tensor(next, device: device).unsqueeze(1);            // (B_active, 1)
                if (!options.UseCache)
                {
                    var grownIds = cat([allIds, nextT], 1);
                    allIds.Dispose(); allIds = grownIds;
                }
                feed.Dispose(); feed = nextT;
                if (compact && finishedNow > 0 && ShouldCompact(active, done))
                {
                    var keep = Enumerable.Range(0, active.Length).Where(i => !done[active[i]]).ToArray();
                    using var rows = tensor(keep.Select(i => (long)i).ToArray(), device: device);
                    cache!.Select(rows);
                    var m = maskBuffer.index_select(0, rows); maskBuffer.Dispose(); maskBuffer = m;
                    var f = feed.index_select(0, rows); feed.Dispose(); feed = f;
                    active = keep.Select(i => active[i]).ToArray();
                }
            }
        }
        finally { decodeThreads.Dispose(); allIds.Dispose(); maskBuffer.Dispose(); feed.Dispose(); foreach (var g in generators) g.Dispose(); }
        return Enumerable.Range(0, B).Select(b => new Generated(outputs[b].ToArray(), stopped[b]) { LogProb = options.ReturnLogProbs ? logProbs[b] : null }).ToArray();
    }

    /// <summary>
    /// Largest decode step, in rows × model parameters (≈ half its multiply-adds), that runs on one intra-op thread.
    /// A cached decode step of a small model is a few hundred kernels of a few microseconds each; on more threads
    /// every one that forks waits for all of them, and when another process holds a core that wait is a scheduler
    /// time slice: the KV-cache benchmark (d128, 4 rows) fell from about 10× to about 4× beside one busy core.
    /// Measured in docs/benchmarks.md ("Decode threads and a busy core").
    /// </summary>
    public const long OneThreadDecodeMaxWork = 64_000_000;

    /// <summary>
    /// Intra-op threads for the cached decode steps of <paramref name="rows"/> rows: one when the step is small
    /// (<see cref="OneThreadDecodeMaxWork"/>), else null (the caller's setting). It depends on the model and the batch
    /// only, never on the machine or the thread setting, so a call decodes the same way wherever it runs.
    /// </summary>
    public static int? DecodeThreads(CausalLM model, int rows) => model.Device.type == DeviceType.CPU && rows * model.ParameterCount <= OneThreadDecodeMaxWork ? 1 : null;

    /// <summary>
    /// Whether to drop finished rows now: when at least a quarter of the batch has finished. Dropping copies the
    /// whole cache, so it waits until the rows saved outweigh the copy rather than doing it for every row that stops.
    /// </summary>
    private static bool ShouldCompact(int[] active, bool[] done) => 4 * active.Count(b => done[b]) >= active.Length;

    /// <summary>
    /// One token per unfinished row, each drawn with that row's generator. The (B, V) soft-max, the division and the
    /// arg-max run once for the batch; only the noise is drawn per row (<see cref="DrawRows"/>).
    /// </summary>
    private static long[] SampleRows(Tensor last, GenerationOptions o, torch.Generator[] generators, bool[] done)
    {
        var next = new long[generators.Length];
        if (o.Temperature == 0)
        {
            var argmax = last.argmax(-1).cpu().data<long>().ToArray();
            for (int b = 0; b < next.Length; b++) next[b] = done[b] ? o.PadTokenId : argmax[b];
            return next;
        }
        if (o.TopP >= 1.0)
        {
            var drawn = DrawRows((last / o.Temperature).softmax(-1), generators, done);
            for (int b = 0; b < next.Length; b++) next[b] = done[b] ? o.PadTokenId : drawn[b];
            return next;
        }
        for (int b = 0; b < next.Length; b++)
            next[b] = done[b] ? o.PadTokenId : Sample(last.narrow(0, b, 1), o, generators[b]).item<long>();
        return next;
    }

    /// <summary>
    /// One draw per row of (B, V) probabilities, row b with generator b: the token LibTorch's
    /// <c>multinomial(1, generator)</c> would draw from that row, which is argmax(p / q) with q ~ Exp(1) drawn by the
    /// generator over the row (the exponential race, an exact sample of the categorical). Drawing q row by row and
    /// dividing and maximising once for the batch costs one LibTorch call per row instead of multinomial's few checks
    /// and reductions per row; <c>GenerationTests</c> check the draws equal multinomial's. Rows marked done draw nothing.
    /// </summary>
    private static long[] DrawRows(Tensor probs, torch.Generator[] generators, bool[] done)
    {
        using var scope = NewDisposeScope();
        if (!probs.isfinite().all().item<bool>())
            throw new Errors.ValueDriftException("sampling: the model's next-token probabilities are not finite (NaN or infinite logits): the checkpoint is corrupt or its training diverged");
        var noise = ones_like(probs);                                    // (B, V); rows that draw nothing keep 1
        var rows = noise.unbind(0);
        for (int b = 0; b < rows.Length; b++)
            if (!done[b]) rows[b].exponential_(1.0, generators[b]);
        return (probs / noise).argmax(-1).data<long>().ToArray();
    }

    /// <summary>(B, V) float32 logits → (B) token ids.</summary>
    public static Tensor Sample(Tensor logits, GenerationOptions o, torch.Generator generator)
    {
        using var scope = NewDisposeScope();
        if (o.Temperature == 0) return logits.argmax(-1).MoveToOuterDisposeScope();
        var probs = (logits / o.Temperature).softmax(-1);
        if (o.TopP < 1.0)
        {
            var (sorted, order) = probs.sort(-1, descending: true);
            var before = sorted.cumsum(-1) - sorted;                    // mass of strictly more likely tokens
            sorted = sorted.masked_fill(before.gt(o.TopP), 0.0);
            var pick = sorted.multinomial(1, false, generator);         // (B, 1) index into the sorted order
            return order.gather(-1, pick).squeeze(-1).MoveToOuterDisposeScope();
        }
        return probs.multinomial(1, false, generator).squeeze(-1).MoveToOuterDisposeScope();
    }
}
