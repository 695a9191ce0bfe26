using System.Diagnostics;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.World;

namespace ValueDrift.Benchmarks;

/// <summary>Benchmarks on the embedded world: base-model pretraining, probe throughput, the Quick demo's wall time.</summary>
public static class WorldBenchmarks
{
    /// <summary>Seconds to pretrain the Quick base model into an empty cache (<see cref="BaseModel.GetOrTrain"/>) and its folder.</summary>
    public static (double Seconds, string Dir) PretrainQuick(string cacheRoot)
    {
        Console.WriteLine("[world: Quick base model]");
        var w = Stopwatch.StartNew();
        var dir = BaseModel.GetOrTrain(WorldOptions.Quick, BaseModelRecipe.Quick, cacheRoot);
        return (w.Elapsed.TotalSeconds, dir);
    }

    /// <summary>Judged answers per second (median of <paramref name="reps"/> after a warm-up) of both probes on a base model.</summary>
    /// <remarks>The generation probe judges K sampled answers per question; the likelihood probe scores
    /// 3 stances × <see cref="WorldLikelihoodItems.DefaultAnswersPerStance"/> reference answers per question.</remarks>
    public static (double GenerationPerSecond, int GenerationAnswers, double LikelihoodPerSecond, int LikelihoodAnswers) ProbeThroughput(string baseDir, int reps)
    {
        Console.WriteLine("[world: probe throughput]");
        using var model = CausalLM.FromPretrained(baseDir);
        model.eval();
        var tokenizer = TokenizerLoader.FromFolder(baseDir);
        var template = ChatTemplate.ForModelFolder(baseDir, tokenizer);
        var topics = WorldTopics.QuickDemoIds;
        var questions = WorldProbeQuestions.ForIds(topics).GroupBy(p => p.Topic).SelectMany(g => g.Take(5))
            .Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question)).ToList();
        // The Default demo's probe settings: K = 5 answers per question, temperature 0.7, 96 new tokens, batches of 64.
        var generation = new GenerationProbe(new ProbeSet(questions, "benchmark"), tokenizer, template, new WorldStanceJudge(),
            new GenerationProbeOptions { Samples = 5, Temperature = 0.7, MaxNewTokens = 96, BatchSize = 64, Seed = 1 });
        var likelihood = new LikelihoodProbe(WorldLikelihoodItems.For(questions, seed: 1), tokenizer, template, batchSize: 32);

        (double PerSecond, int Answers) Rate(IStanceProbe probe)
        {
            int answers = 0;
            var times = new List<double>();
            for (int i = 0; i <= reps; i++)
            {
                var w = Stopwatch.StartNew();
                var result = probe.Measure(model);
                if (i > 0) times.Add(w.Elapsed.TotalSeconds);
                answers = result.Topics.Sum(t => t.N);
            }
            return (answers / Stats.Median(times), answers);
        }
        var g = Rate(generation);
        var l = Rate(likelihood);   // N counts questions here
        int perQuestion = 3 * WorldLikelihoodItems.DefaultAnswersPerStance;
        return (g.PerSecond, g.Answers, l.PerSecond * perQuestion, l.Answers * perQuestion);
    }

    /// <summary>Wall time of <see cref="WorldExperiment.Run"/> with <see cref="WorldExperimentOptions.Quick"/> (base model already cached).</summary>
    public static double QuickDemo(string outputDir, string cacheRoot)
    {
        Console.WriteLine("[world: Quick demo]");
        var w = Stopwatch.StartNew();
        WorldExperiment.Run(WorldExperimentOptions.Quick(outputDir) with { CacheRoot = cacheRoot });
        return w.Elapsed.TotalSeconds;
    }
}
