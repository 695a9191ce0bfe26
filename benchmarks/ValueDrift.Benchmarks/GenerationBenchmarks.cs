using System.Diagnostics;
using ValueDrift.Models;

namespace ValueDrift.Benchmarks;

/// <summary>Sampling with the KV cache against recomputing the whole prefix at every new token.</summary>
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
}
