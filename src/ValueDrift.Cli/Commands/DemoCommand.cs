using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.CommandLine;
using ValueDrift.Experiments;
using ValueDrift.Reporting;
using ValueDrift.Training;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift demo [--quick] [--out DIR] [--seeds S] [--workers N] [--profile]</c>: the embedded world end to end — datasets, base model (cached), SFT,
/// DPO / SimPO / PPO on standard and value-gap data, every stage traced, drift metrics, report.html. Its stages are the
/// world's recipe, recipes/world.jsonc (<see cref="WorldRecipe"/>); --quick and the other options resize it, and the
/// recipe runner runs it (<see cref="WorldExperiment.Run"/>), as <c>reproduce</c> does. Resumable: run it again with the
/// same --out to continue after an interruption. Once the base model exists, the seeds run as worker processes
/// (<see cref="SeedWorkers"/>), their lines shown here prefixed with the seed.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var quick = new Option<bool>("--quick") { Description = "small sizes (about a minute): for a first look and for tests" };
        var output = new Option<string>("--out") { Description = "run folder", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var seed = new Option<long>("--seed") { Description = "seed of the world, the training and the probes", DefaultValueFactory = _ => 1 };
        var seeds = new Option<int?>("--seeds")
        {
            Description = $"training runs (seeds SEED, SEED+1, …; the first in --out, the others in --out/seeds/seed-1, seed-2, …): findings give the mean and 95% interval across them (default {WorldExperimentOptions.Default("").Seeds}, the world recipe's; --quick: 1). 1 takes a third of the time; its intervals cover probe questions only, not training noise",
        };
        var topics = new Option<string?>("--topics") { Description = $"comma-separated world topics (default: {string.Join(",", WorldTopics.QuickDemoIds)})" };
        var cache = new Option<string?>("--cache") { Description = "base-model cache folder (default $VALUEDRIFT_CACHE or ~/.cache/valuedrift)" };
        var profile = new Option<bool>("--profile") { Description = "print at the end where the wall time went, by phase (pretraining, training steps, probes, judging, checkpoint I/O, report)" };
        var workers = new Option<int?>("--workers")
        {
            Description = $"seed runs at once, each a child process with {WorkerProcesses.ThreadsPerWorker} thread(s), once the base model exists; the traces are the same for any count " +
                $"(default: one per core, no more than the seeds and memory allow, here {WorkerProcesses.DefaultCount(WorldExperimentOptions.Default("").Seeds)} for {WorldExperimentOptions.Default("").Seeds} seeds; with one seed, 0). " +
                "0: one seed after another in this process, with all its threads (traces differ from the workers' in the last digits)",
        };
        var seedRun = new Option<int?>("--seed-run") { Description = "run only the seed run with this index (what each worker process runs)", Hidden = true };
        var cmd = new Command("demo", "Run the embedded value-drift demo on the synthetic world and write report.html.") { quick, output, seed, seeds, topics, cache, profile, workers, seedRun };
        cmd.SetAction(r =>
        {
            var o = r.GetValue(quick) ? WorldExperimentOptions.Quick(r.GetValue(output)!) : WorldExperimentOptions.Default(r.GetValue(output)!);
            o = o with { Seed = r.GetValue(seed), Seeds = r.GetValue(seeds) ?? o.Seeds, CacheRoot = r.GetValue(cache) };
            o.Validate();
            if (r.GetValue(topics) is { } t)
            {
                var ids = t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
                WorldTopics.Select(ids);   // validates the names (typed error naming the unknown topic)
                o = o with { World = o.World with { Topics = ids } };
            }
            PhaseProfile.Reset();
            if (r.GetValue(seedRun) is { } index)
                return LongRun.Execute(io, (log, cancel) =>
                {
                    var seedResult = RecipeRunner.RunSeed(WorldRecipe.For(o), o.OutputDirectory, index, LineLogger.To(log), new TrainingProgressLines(log), cancel, WorldRecipe.Source(o.CacheRoot));
                    io.Out.WriteLine($"seed run {index + 1}: {seedResult.Stages.Count} stages ({seedResult.Stages.Count(s => s.AlreadyComplete)} already complete), {seedResult.Run.Root}");
                    foreach (var line in PhaseProfile.Format().Split('\n', StringSplitOptions.RemoveEmptyEntries)) log(line);   // where this worker's time went, in its log
                    return 0;
                });
            // One seed gains nothing from a worker process and would lose a thread (a one-thread SFT stage took 1.36 times as long).
            int workerCount = r.GetValue(workers) ?? (o.Seeds > 1 ? WorkerProcesses.DefaultCount(o.Seeds) : 0);
            if (workerCount < 0) throw new Errors.ConfigException("--workers", "workers", $"must be ≥ 0, got {workerCount}");
            // Each worker runs this command again for its seed, with the options that shape the run (never --workers or --profile).
            string[] shape = [.. r.GetValue(quick) ? ["--quick"] : Array.Empty<string>(), "--out", Path.GetFullPath(o.OutputDirectory), "--seed", o.Seed.ToString(),
                "--seeds", o.Seeds.ToString(), .. r.GetValue(topics) is { } tp ? ["--topics", tp] : Array.Empty<string>(),
                .. o.CacheRoot is { } c ? ["--cache", Path.GetFullPath(c)] : Array.Empty<string>()];
            var seedWorkers = workerCount == 0 ? null
                : new SeedWorkers(new WorkerProcesses(workerCount), i => WorkerLaunch.Self(["demo", .. shape, "--seed-run", i.ToString()]));
            return LongRun.Execute(io, (log, cancel) =>
            {
                // A first report as soon as a finding can be stated (after the first stages of the first seed), rewritten
                // as stages and seeds finish; the finished run's report replaces it.
                void Interim(WorldExperimentResult partial)
                {
                    using (PhaseProfile.Measure(PhaseProfile.Phases.Report)) WorldExperimentReport.Write(partial, o);
                    log($"report (interim: {partial.Interim}): {partial.Run.ReportPath}");
                }
                var result = WorldExperiment.Run(o, LineLogger.To(log), new TrainingProgressLines(log), cancel, Interim, seedWorkers);
                using (PhaseProfile.Measure(PhaseProfile.Phases.Report)) WorldExperimentReport.Write(result, o);
                log($"report: {result.Run.ReportPath}");
                io.Out.WriteLine($"report: {result.Run.ReportPath}");
                io.Out.WriteLine($"trace:  {result.Run.TracePath}");
                io.Out.WriteLine($"tables: {result.Run.TablesDirectory}");
                var perSeed = result.SeedRuns.Select(x => x.Drift).ToList();
                foreach (var f in WorldExperimentReport.Findings(perSeed))
                    io.Out.WriteLine($"- {f.Finding}: {f.Measured} → {f.Verdict}");
                io.Out.WriteLine(WorldExperimentReport.PaperOrdering(perSeed));
                if (r.GetValue(profile)) io.Out.Write(PhaseProfile.Format());
                return 0;
            });
        });
        return cmd;
    }
}
