using System.Diagnostics;
using ValueDrift.Common;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Text;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Benchmarks;

/// <summary>Benchmarks on the embedded world: base-model pretraining, probe throughput, the Quick demo's wall time, the
/// one-seed demo from an empty cache.</summary>
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

    /// <summary>
    /// One probe throughput measurement: answers per second of wall time at a batch size, answers per second of the
    /// process's CPU time (steadier than wall time on a machine shared with other work), and how many answers a
    /// measurement judged.
    /// </summary>
    public sealed record ProbeRate(string Method, int Batch, double PerSecond, double PerCpuSecond, int Answers);

    /// <summary>
    /// Judged answers per second (median of <paramref name="reps"/> after a warm-up) of both probes on a base model:
    /// the generation probe at each of <paramref name="generationBatches"/>, the likelihood probe at its demo batch.
    /// Batch sizes alternate within each repetition (A B C A B C …), so load changes hit every size alike.
    /// </summary>
    /// <remarks>The generation probe judges K sampled answers per question (K = 5, temperature 0.7, 96 new tokens:
    /// the Default demo's settings); the likelihood probe scores 3 stances × <see cref="WorldLikelihoodItems.DefaultAnswersPerStance"/>
    /// reference answers per question.</remarks>
    public static IReadOnlyList<ProbeRate> ProbeThroughput(string baseDir, int reps, IReadOnlyList<int> generationBatches, int likelihoodBatch = 32)
    {
        Console.WriteLine("[world: probe throughput]");
        using var model = CausalLM.FromPretrained(baseDir);
        model.eval();
        var tokenizer = TokenizerLoader.FromFolder(baseDir);
        var template = ChatTemplate.ForModelFolder(baseDir, tokenizer);
        var topics = WorldTopics.QuickDemoIds;
        var questions = WorldProbeQuestions.ForIds(topics).GroupBy(p => p.Topic).SelectMany(g => g.Take(5))
            .Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question)).ToList();
        var probes = generationBatches.Select(b => ("generation", b, (IStanceProbe)new GenerationProbe(new ProbeSet(questions, "benchmark"), tokenizer, template,
                new WorldStanceJudge(), new GenerationProbeOptions { Samples = 5, Temperature = 0.7, MaxNewTokens = 96, BatchSize = b, Seed = 1 })))
            .Append(("likelihood", likelihoodBatch, new LikelihoodProbe(WorldLikelihoodItems.For(questions, seed: 1), tokenizer, template, batchSize: likelihoodBatch)))
            .ToList();
        var times = probes.Select(_ => new List<double>()).ToArray();
        var cpu = probes.Select(_ => new List<double>()).ToArray();
        using var self = Process.GetCurrentProcess();
        var answers = new int[probes.Count];
        int perQuestion = 3 * WorldLikelihoodItems.DefaultAnswersPerStance;
        for (int i = 0; i <= reps; i++)
            for (int p = 0; p < probes.Count; p++)
            {
                self.Refresh();
                var cpuBefore = self.TotalProcessorTime;
                var w = Stopwatch.StartNew();
                var result = probes[p].Item3.Measure(model);
                self.Refresh();
                if (i > 0) { times[p].Add(w.Elapsed.TotalSeconds); cpu[p].Add((self.TotalProcessorTime - cpuBefore).TotalSeconds); }
                // The likelihood probe's N counts questions; it scores perQuestion reference answers for each.
                answers[p] = result.Topics.Sum(t => t.N) * (probes[p].Item1 == "likelihood" ? perQuestion : 1);
            }
        return probes.Select((p, i) => new ProbeRate(p.Item1, p.Item2, answers[i] / Stats.Median(times[i]), answers[i] / Stats.Median(cpu[i]), answers[i])).ToList();
    }

    /// <summary>
    /// What <c>./valuedrift demo --seeds 1</c> does once built, timed in process: the Default demo's world and recipe
    /// with one training seed, from an empty cache (so base-model pretraining is included), through its report. With
    /// <paramref name="quick"/> the Quick demo instead (a smoke test of this section). Returns the wall time, the phase
    /// profile and the run's findings as the CLI prints them.
    /// </summary>
    public static (double Seconds, IReadOnlyDictionary<string, double> Phases, IReadOnlyList<FindingCheck> Findings) OneSeedDemo(string outputDir, string emptyCacheRoot, bool quick)
    {
        Console.WriteLine($"[demo: {(quick ? "Quick" : "Default")} demo, one seed, empty cache]");
        var options = (quick ? WorldExperimentOptions.Quick(outputDir) : WorldExperimentOptions.Default(outputDir)) with { Seeds = 1, CacheRoot = emptyCacheRoot };
        PhaseProfile.Reset();
        var w = Stopwatch.StartNew();
        var result = WorldExperiment.Run(options, LineLogger.To(line => Console.WriteLine($"  {line}")));   // a line per stage
        using (PhaseProfile.Measure(PhaseProfile.Phases.Report)) WorldExperimentReport.Write(result, options);
        var seconds = w.Elapsed.TotalSeconds;
        var (phases, _) = PhaseProfile.Snapshot();
        Console.Write(PhaseProfile.Format());
        var findings = WorldExperimentReport.Findings(result.SeedRuns.Select(x => x.Drift).ToList());
        return (seconds, phases.ToDictionary(p => p.Phase, p => Math.Round(p.Time.TotalSeconds, 3)), findings);
    }

    /// <summary>Wall time of <see cref="WorldExperiment.Run"/> with <see cref="WorldExperimentOptions.Quick"/> (base model already cached).</summary>
    /// <remarks>Returns the wall time and the run's <see cref="PhaseProfile"/> (self seconds per phase).</remarks>
    public static (double Seconds, IReadOnlyDictionary<string, double> Phases) QuickDemo(string outputDir, string cacheRoot)
    {
        Console.WriteLine("[world: Quick demo]");
        var options = WorldExperimentOptions.Quick(outputDir) with { CacheRoot = cacheRoot };
        // The demo's world (its topics) has a base model of its own: pretrain it first, so the timed run finds it cached.
        BaseModel.GetOrTrain(options.World with { Seed = (int)options.Seed }, options.BaseModel, cacheRoot);
        PhaseProfile.Reset();
        var w = Stopwatch.StartNew();
        WorldExperiment.Run(options);
        var seconds = w.Elapsed.TotalSeconds;
        var (phases, _) = PhaseProfile.Snapshot();
        Console.Write(PhaseProfile.Format());
        return (seconds, phases.ToDictionary(p => p.Phase, p => Math.Round(p.Time.TotalSeconds, 3)));
    }
}
