using System.Diagnostics;
using ValueDrift.Models;
using ValueDrift.World;
using static TorchSharp.torch;

namespace ValueDrift.Benchmarks;

/// <summary>Sampling with the KV cache against recomputing the whole prefix at every new token; a cached decode step on one thread against all.</summary>
public static class GenerationBenchmarks
{
    /// <summary>Median seconds of <see cref="Generation.Generate"/> with and without the cache, repetitions alternating.</summary>
    public static (double Cached, double Uncached) CacheSpeedup(TrainShape s, int prompts, int promptLength, int newTokens, int reps)
    {
        Console.WriteLine($"[generation {s.Label}, {prompts} prompts × {promptLength} tokens, {newTokens} new]");
        using var model = CausalLM.Create(s.ModelConfig(), seed: 0);
        model.eval();
        var rng = new Random(3);
        var batch = Enumerable.Range(0, prompts).Select(_ => Enumerable.Range(0, promptLength).Select(_ => rng.Next(3, s.Vocab)).ToArray()).ToList();
        double Time(bool cache, int tokens)
        {
            var w = Stopwatch.StartNew();
            var outputs = Generation.Generate(model, batch, new GenerationOptions { MaxNewTokens = tokens, UseCache = cache });
            if (outputs.Any(o => o.Tokens.Length != tokens)) throw new InvalidOperationException("generation stopped early");
            return w.Elapsed.TotalSeconds;
        }
        Time(true, 8); Time(false, 8);   // warm-up
        var c = new List<double>(); var u = new List<double>();
        for (int i = 0; i < reps; i++) { c.Add(Time(true, newTokens)); u.Add(Time(false, newTokens)); }
        return (Stats.Median(c), Stats.Median(u));
    }

    /// <summary>One row of <see cref="DecodeStep"/>: seconds per step on one thread and on all, and what <see cref="Generation.DecodeThreads"/> picks.</summary>
    public sealed record DecodeStepTime(int Rows, long Parameters, double OneThread, double AllThreads, int AllThreadCount, int? Chosen);

    /// <summary>
    /// Seconds per cached decode step of the demo's base-model architecture (<see cref="BaseModelRecipe.Default"/>,
    /// random weights): <paramref name="rows"/> rows with a 32-token prompt prefilled on every thread, then
    /// <paramref name="steps"/> one-token steps through <see cref="CausalLM.Forward"/> with a <see cref="KvCache"/>, on one
    /// intra-op thread and on <paramref name="threads"/>, alternating; medians of <paramref name="reps"/> after a warm-up.
    /// The basis of <see cref="Generation.OneThreadDecodeMaxWork"/>.
    /// </summary>
    public static DecodeStepTime DecodeStep(int rows, int steps, int threads, int reps)
    {
        Console.WriteLine($"[decode step, {rows} rows, 1 thread vs {threads}]");
        using var model = CausalLM.Create(BaseModelRecipe.Default.ModelConfig(vocabSize: 260, bosId: 1, eosId: 2, padId: 0), seed: 0);
        model.eval();
        using var _ = no_grad();
        const int promptLength = 32;
        using var prompt = randint(3, 260, [rows, promptLength], generator: new Generator(5));
        using var mask = ones([rows, promptLength + steps], ScalarType.Int64);
        double Time(int decodeThreads)
        {
            using var scope = NewDisposeScope();
            using var all = IntraOpThreads.Use(threads);
            using var cache = new KvCache(model.LayerCount, capacity: promptLength + steps);
            var next = model.Forward(prompt, mask.narrow(1, 0, promptLength), cache).select(1, -1).argmax(-1).unsqueeze(1);   // (rows, 1)
            using var decode = IntraOpThreads.Use(decodeThreads);
            var w = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var step = NewDisposeScope();
                var logits = model.Forward(next, mask.narrow(1, 0, promptLength + i + 1), cache);   // (rows, 1, V)
                next = logits.select(1, -1).argmax(-1).unsqueeze(1).MoveToOuterDisposeScope();
            }
            return w.Elapsed.TotalSeconds / steps;
        }
        Time(1); Time(threads);   // warm-up
        var one = new List<double>(); var many = new List<double>();
        for (int i = 0; i < reps; i++) { one.Add(Time(1)); many.Add(Time(threads)); }
        return new DecodeStepTime(rows, model.ParameterCount, Stats.Median(one), Stats.Median(many), threads, Generation.DecodeThreads(model, rows));
    }
}
