using System.CommandLine;
using System.Diagnostics;
using ValueDrift.Common;
using ValueDrift.Experiments;
using ValueDrift.Reporting;
using ValueDrift.WorldRuns;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift sweep --recipe FILE --grid "dpo.learning_rate=1e-5,5e-5;ppo.kl_coef=0.05,0.2" --seeds N [--out DIR]
/// [--workers N]</c>: every grid point × seed of the recipe's addressed preference stages as a stage variant from the
/// same start checkpoint (<see cref="Sweep"/>, docs/sweeps.md), run by parallel worker processes, one merged trace,
/// a report beside it. Resumable. With <c>--point NAME</c> it is one such worker: it runs that variant only.
/// </summary>
public sealed class SweepCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var recipe = new Option<string>("--recipe") { Description = "recipe file (docs/reproduce.md); its \"sweep\" key gives the grid unless --grid does", Required = true };
        var grid = new Option<string?>("--grid") { Description = "LABEL.SETTING=V1,V2;… — a loop option (learning_rate, max_steps) or a setting of the algorithm's record (beta, gamma_beta_ratio, kl_coef); * addresses every swept algorithm" };
        var seeds = new Option<int?>("--seeds") { Description = "seeds per grid point (default: the recipe's sweep.seeds, else 1)" };
        var output = new Option<string?>("--out") { Description = "sweep folder (default: runs/<recipe file name>-sweep)" };
        var workers = new Option<int?>("--workers") { Description = $"variants run at once as child processes, each with {SweepWorkers.ThreadsPerPoint} thread(s) (default: min(cores, memory / 2 GiB), here {SweepWorkers.DefaultCount()})" };
        var cache = new Option<string?>("--cache") { Description = "a world recipe's base-model cache folder (default $VALUEDRIFT_CACHE or ~/.cache/valuedrift)" };
        var point = new Option<string?>("--point") { Description = "run only this variant (what each worker process runs)", Hidden = true };
        var cmd = new Command("sweep", "Run a recipe's preference stages over a grid of settings × seeds from one start checkpoint: parallel workers, one trace, a report.")
            { recipe, grid, seeds, output, workers, cache, point };
        cmd.SetAction(r =>
        {
            var file = Path.GetFullPath(r.GetValue(recipe)!);
            var loaded = Recipe.Load(file);
            var sweep = r.GetValue(grid) is { } g
                ? Sweep.Parse(g, r.GetValue(seeds) ?? loaded.Sweep?.Seeds ?? 1)
                : loaded.Sweep is { } s ? s with { Seeds = r.GetValue(seeds) ?? s.Seeds }
                : throw new Errors.ConfigException(file, "sweep", "no grid: give --grid or a \"sweep\" key in the recipe");
            if (sweep.Seeds < 1) throw new Errors.ConfigException("--seeds", "seeds", $"must be ≥ 1, got {sweep.Seeds}");
            var outDir = Path.GetFullPath(r.GetValue(output) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(file) + "-sweep"));
            var worldCache = r.GetValue(cache);
            if (r.GetValue(point) is { } name)
                return LongRun.Execute(io, (log, cancel) =>
                {
                    var result = SweepRunner.RunPoint(loaded, sweep, outDir, name, LineLogger.To(log), new TrainingProgressLines(log), cancel, WorldRecipe.SourceFor(loaded, worldCache));
                    io.Out.WriteLine($"{name}: {(result.AlreadyComplete ? "already complete" : "done")} ({result.FinalCheckpoint})");
                    return 0;
                });
            var pool = new SweepWorkers(r.GetValue(workers) ?? SweepWorkers.DefaultCount(), p => Worker(file, sweep, outDir, p.Name, worldCache));
            return LongRun.Execute(io, (log, cancel) =>
            {
                var result = SweepRunner.Run(loaded, sweep, outDir, pool, LineLogger.To(log), new TrainingProgressLines(log), cancel, WorldRecipe.SourceFor(loaded, worldCache));
                var report = SweepReport.Write(result);
                io.Out.WriteLine($"report: {report}");
                io.Out.WriteLine($"trace:  {result.TracePath}");
                io.Out.WriteLine($"variants: {result.Plan.Points.Count} ({result.PointsReadBack} read back), {pool.Count} worker(s), {result.Elapsed.TotalSeconds:F0} s");
                return 0;
            });
        });
        return cmd;
    }

    /// <summary>This command again, for one variant.</summary>
    private static ProcessStartInfo Worker(string recipe, Sweep sweep, string outDir, string point, string? cache) =>
        WorkerLaunch.Self(["sweep", "--recipe", recipe, "--grid", sweep.GridText, "--seeds", sweep.Seeds.ToString(), "--out", outDir, "--point", point,
            .. cache is null ? Array.Empty<string>() : ["--cache", cache]]);
}
