using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>
/// Batched sampling in which every row draws from its own seeded random stream. <see cref="Generation.Generate"/>
/// draws the whole batch from one generator, so a row's answer depends on which other rows share its batch; a probe
/// must not depend on its batch size, so here row b draws with a generator seeded by <c>seeds[b]</c>. The batch
/// still shares one forward pass (and one soft-max) per step; only the draws are per row. Prompts are
/// left-padded, the mask hides the pads and the KV cache holds the past, exactly as in <see cref="Generation"/>.
/// A row's tokens are therefore the same in any batch, up to the float rounding of padded batches.
/// </summary>
public static class RowSeededGeneration
{
    /// <summary>Samples a continuation of each prompt; row b uses seed <c>seeds[b]</c> (<see cref="GenerationOptions.Seed"/> is ignored).</summary>
    public static IReadOnlyList<Generated> Generate(CausalLM model, IReadOnlyList<int[]> prompts, IReadOnlyList<long> seeds, GenerationOptions options)
    {
        if (prompts.Count != seeds.Count) throw new ArgumentException($"need one seed per prompt (got {seeds.Count} for {prompts.Count})");
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token");
        if (options.Temperature < 0 || !(options.TopP > 0 && options.TopP <= 1)) throw new ArgumentException("temperature must be ≥ 0 and top_p in (0, 1]");
        int B = prompts.Count, L = prompts.Max(p => p.Length);
        var device = model.Device;
        var stop = options.StopTokenIds.ToHashSet();

        var ids = new long[B, L];
        var mask = new long[B, L];
        for (int b = 0; b < B; b++)
        {
            int pad = L - prompts[b].Length;
            for (int t = 0; t < pad; t++) ids[b, t] = options.PadTokenId;
            for (int t = 0; t < prompts[b].Length; t++) { ids[b, pad + t] = prompts[b][t]; mask[b, pad + t] = 1; }
        }

        var generators = seeds.Select(s => new Generator((ulong)s, device)).ToArray();
        var outputs = Enumerable.Range(0, B).Select(_ => new List<int>()).ToArray();
        var done = new bool[B];
        var stopped = new bool[B];
        using var cache = new KvCache(model.LayerCount);
        var allMask = tensor(mask, device: device);
        var feed = tensor(ids, device: device);
        try
        {
            using var _ = no_grad();
            for (int step = 0; step < options.MaxNewTokens; step++)
            {
                var next = new long[B];
                using (var scope = NewDisposeScope())
                {
                    var last = model.Forward(feed, allMask, cache).select(1, -1);    // (B, V)
                    SampleRows(last, options, generators, done, next);
                }
                bool all = true;
                for (int b = 0; b < B; b++)
                {
                    if (done[b]) { next[b] = options.PadTokenId; continue; }
                    if (stop.Contains((int)next[b])) { done[b] = true; stopped[b] = true; next[b] = options.PadTokenId; }
                    else outputs[b].Add((int)next[b]);
                    all &= done[b];
                }
                if (all) break;
                var nextT = tensor(next, device: device).unsqueeze(1);               // (B, 1)
                var grownMask = cat([allMask, ones(B, 1, ScalarType.Int64, device)], 1);
                allMask.Dispose(); feed.Dispose();
                allMask = grownMask; feed = nextT;
            }
        }
        finally
        {
            allMask.Dispose(); feed.Dispose();
            foreach (var g in generators) g.Dispose();
        }
        return Enumerable.Range(0, B).Select(b => new Generated(outputs[b].ToArray(), stopped[b])).ToArray();
    }

    /// <summary>
    /// Fills <paramref name="next"/> with one token per unfinished row. Greedy and plain temperature sampling compute
    /// the (B, V) arithmetic once for the batch and only draw per row; top-p goes through
    /// <see cref="Generation.Sample"/> row by row (its sort and cut are per row anyway).
    /// </summary>
    private static void SampleRows(Tensor last, GenerationOptions o, Generator[] generators, bool[] done, long[] next)
    {
        if (o.Temperature == 0)
        {
            var argmax = last.argmax(-1).cpu().data<long>().ToArray();
            for (int b = 0; b < next.Length; b++) next[b] = done[b] ? o.PadTokenId : argmax[b];
            return;
        }
        if (o.TopP >= 1.0)
        {
            var probs = (last / o.Temperature).softmax(-1);                    // (B, V)
            for (int b = 0; b < next.Length; b++)
                next[b] = done[b] ? o.PadTokenId : probs[b].multinomial(1, false, generators[b]).item<long>();
            return;
        }
        for (int b = 0; b < next.Length; b++)
            next[b] = done[b] ? o.PadTokenId : Generation.Sample(last.narrow(0, b, 1), o, generators[b]).item<long>();
    }
}
