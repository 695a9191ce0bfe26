using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.CommandLine;
using ValueDrift.Experiments;
using ValueDrift.Reporting;
using ValueDrift.WorldRuns;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift reproduce --recipe FILE.json [--out DIR]</c>: the paper's grid as one resumable command — every stage
/// of the recipe (docs/reproduce.md) through the one <see cref="StageRunner"/>, one trace, one report (report.html and drift-table.json beside the trace). Run it again with
/// the same folder after an interruption to continue where it stopped.
/// </summary>
public sealed class ReproduceCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var recipe = new Option<string>("--recipe") { Description = "recipe file (JSON with comments; see docs/reproduce.md and recipes/)", Required = true };
        var output = new Option<string?>("--out") { Description = "run folder (default: runs/<recipe file name>)" };
        var seeds = new Option<int?>("--seeds") { Description = "training runs of the whole grid (overrides the recipe's \"seeds\"; the first in --out, the others in --out/seeds/seed-K); drift-seeds.json gives the mean and 95% interval across them" };
        var cache = new Option<string?>("--cache") { Description = "a world recipe's base-model cache folder (default $VALUEDRIFT_CACHE or ~/.cache/valuedrift)" };
        var newFolder = new Option<bool>("--new-folder") { Description = "a stage whose folder holds a changed definition with progress runs in stages/<name>.2 (.3, …) instead of stopping" };
        var restart = new Option<string[]>("--restart-stage") { Description = "start this stage (and every stage that starts from it) again from scratch; repeatable", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("reproduce", "Run a recipe: base → each SFT set → each algorithm × preference set, traced, with a drift report.") { recipe, output, seeds, cache, newFolder, restart };
        cmd.SetAction(r =>
        {
            var file = r.GetValue(recipe)!;
            var loaded = Recipe.Load(file);
            if (r.GetValue(seeds) is { } s)
            {
                if (s < 1) throw new Errors.ConfigException("--seeds", "seeds", $"must be ≥ 1, got {s}");
                loaded = loaded.WithSeeds(s);   // still validated: Load's check holds for every seed
            }
            var outDir = r.GetValue(output) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(file));
            var recovery = new StageRecovery
            {
                OnChange = r.GetValue(newFolder) ? StageChangePolicy.NewFolder : StageChangePolicy.Refuse,
                RestartStages = r.GetValue(restart) ?? [],
                RestartAdvice = name => $"run: valuedrift reproduce --recipe {CommandLine.Quote(file)} --out {CommandLine.Quote(outDir)} --restart-stage {name} " +
                    "(or add --new-folder to keep it and run the changed stage beside it)",
            };
            return LongRun.Execute(io, (log, cancel) =>
            {
                var result = RecipeRunner.Run(loaded, outDir, LineLogger.To(log), new TrainingProgressLines(log), cancel, source: WorldRecipe.SourceFor(loaded, r.GetValue(cache)), recovery: recovery);
                var report = DriftReport.FromTrace(result.Run.TracePath);
                var seedsPath = Path.Combine(result.Run.Root, "drift-seeds.json");
                IO.AtomicFile.WriteAllText(seedsPath, result.SeedSummary().ToJson());
                io.Out.WriteLine($"report: {report.HtmlPath}");
                io.Out.WriteLine($"trace:  {result.Run.TracePath}");
                io.Out.WriteLine($"seeds:  {result.SeedRuns.Count} (mean and 95% interval across them: {seedsPath})");
                io.Out.WriteLine($"stages: {result.Stages.Count} ({result.Stages.Count(s => s.AlreadyComplete)} already complete)");
                return 0;
            });
        });
        return cmd;
    }
}
