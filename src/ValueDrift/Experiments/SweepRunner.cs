using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>What a sweep produced: its folder, the merged traces and the points (each with its folder).</summary>
public sealed record SweepResult(string Root, string TracePath, string? LikelihoodTracePath, SweepPlan Plan, int PointsRun, int PointsReadBack, TimeSpan Elapsed);

/// <summary>
/// Runs a <see cref="Sweep"/> over a <see cref="Recipe"/> into one folder:
/// <code>
/// sweep.json                 the recipe and the grid, as run
/// start/                     the shared run: data, the stages the variants start from, their trace
/// points/&lt;variant&gt;/          one run folder per variant: stages/&lt;variant&gt;, trace.jsonl, worker.log
/// trace.jsonl                start's trace, then every variant's, in the plan's order (trace-likelihood.jsonl too)
/// </code>
/// The start stages run here, once; the variants run in child processes (<see cref="SweepWorkers"/>), up to
/// <c>workers</c> at once, each with <see cref="SweepWorkers.ThreadsPerPoint"/> threads whatever the worker count,
/// so every variant's numbers, and the merged trace byte for byte, do not depend on how many ran side by side.
/// Each variant writes only its own folder. Resumable: a variant whose final checkpoint exists is read back, an
/// interrupted one continues from its newest checkpoint.
/// </summary>
public static class SweepRunner
{
    public const string StartFolder = "start";
    public const string PointsFolder = "points";
    public const string WorkerLog = WorkerProcesses.WorkerLog;

    /// <summary>The run folder of one variant.</summary>
    public static string PointFolder(string root, SweepPoint point) => Path.Combine(Path.GetFullPath(root), PointsFolder, point.Name);

    /// <summary>Runs the start stages, then every unfinished variant through <paramref name="workers"/>, then merges the traces.</summary>
    /// <param name="source">Where base model, data and probes come from (null: the recipe's files; see <see cref="RecipeRunner.Run"/>).</param>
    public static SweepResult Run(Recipe recipe, Sweep sweep, string outputDirectory, SweepWorkers workers, ILogger? logger = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, IRecipeSource? source = null)
    {
        var watch = Stopwatch.StartNew();
        var log = logger ?? LineLogger.None;
        sweep.Expand(recipe, recipe.Plan(baseModel: recipe.BaseModel ?? "world"));   // a bad key is refused before any folder is written
        var root = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(root);
        var startRun = new RunDirectory(Path.Combine(root, StartFolder));
        IO.AtomicFile.WriteAllText(Path.Combine(root, "sweep.json"),
            new JsonObject { ["recipe"] = JsonNode.Parse(recipe.ToJson()), ["sweep"] = sweep.ToJson() }.ToJsonString(new() { WriteIndented = true }));

        source ??= RecipeRunner.SourceOf(recipe);
        SweepPlan plan;
        using (var inputs = source.Prepare(recipe, startRun, log, progress))
        {
            plan = sweep.Expand(recipe, recipe.Plan(inputs.DataPath, inputs.BaseModel));
            plan.Start.Run(startRun, inputs.Probes(recipe.Probes.Generation, startRun), log, progress, cancel);
        }

        var pending = plan.Points.Where(p => !Finished(root, p)).ToList();
        log.Line($"sweep: {plan.Points.Count} variants ({plan.Points.Count - pending.Count} finished before), {Math.Min(workers.Count, Math.Max(1, pending.Count))} worker(s) × {SweepWorkers.ThreadsPerPoint} thread(s)");
        workers.RunAll(pending, p => PointFolder(root, p), log, cancel);

        var trace = Path.Combine(root, "trace.jsonl");
        Merge(trace, [startRun.TracePath, .. plan.Points.Select(p => Path.Combine(PointFolder(root, p), "trace.jsonl"))]);
        string? likelihood = null;
        if (File.Exists(startRun.LikelihoodTracePath))
        {
            likelihood = Path.Combine(root, "trace-likelihood.jsonl");
            Merge(likelihood, [startRun.LikelihoodTracePath, .. plan.Points.Select(p => Path.Combine(PointFolder(root, p), "trace-likelihood.jsonl"))]);
        }
        return new SweepResult(root, trace, likelihood, plan, pending.Count, plan.Points.Count - pending.Count, watch.Elapsed);
    }

    /// <summary>
    /// Runs one variant (a worker: <c>valuedrift sweep … --point NAME</c>) into its own folder, from the start
    /// stage's final checkpoint, which must exist (the parent ran it). Writes nothing outside the variant's folder.
    /// </summary>
    public static StageResult RunPoint(Recipe recipe, Sweep sweep, string outputDirectory, string pointName, ILogger? logger = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, IRecipeSource? source = null)
    {
        var log = logger ?? LineLogger.None;
        TorchSharp.torch.set_num_threads(SweepWorkers.ThreadsPerPoint);   // a worker process: its share, the same for any worker count
        var root = Path.GetFullPath(outputDirectory);
        var startRun = new RunDirectory(Path.Combine(root, StartFolder));
        using var inputs = (source ?? RecipeRunner.SourceOf(recipe)).Reopen(recipe, startRun, log);
        var plan = sweep.Expand(recipe, recipe.Plan(inputs.DataPath, inputs.BaseModel));
        var point = plan.Points.FirstOrDefault(p => p.Name == pointName)
            ?? throw new ConfigException("--point", "name", $"'{pointName}' is not a variant of this sweep (first: {plan.Points.FirstOrDefault()?.Name})");
        var from = plan.Start.Stages.Single(s => s.Stage.Name == point.From).Stage;
        var start = TrainingCheckpoint.FolderFor(startRun.StageDirectory(from.Name), from.Training.MaxSteps);
        if (!Directory.Exists(start)) throw new ConfigException(start, "(folder)", $"the start checkpoint of '{point.Name}' is missing: run the sweep without --point first");

        var run = new RunDirectory(PointFolder(root, point));
        var generation = recipe.Probes.Generation with { Seed = recipe.Probes.Generation.Seed + point.SeedIndex };
        var single = new StagePlan(plan.Start.BaseModel, [new PlannedStage(point.Stage, null)]);
        return RunOne(single, point, start, run, inputs.Probes(generation, run), inputs.RewardAudit, log, progress, cancel);
    }

    /// <param name="rewardAudit">What a PPO variant's reward model is audited on (the recipe's source's, as reproduce uses).</param>
    private static StageResult RunOne(StagePlan single, SweepPoint point, string start, RunDirectory run, IReadOnlyList<TracedProbe> probes,
        RewardAuditSource? rewardAudit, ILogger log, IProgress<TrainingProgress>? progress, CancellationToken cancel)
    {
        single.PruneUnfinished(run, probes.Select(p => p.TracePath));
        using var traces = TracedProbe.Open(probes);
        var runner = new StageRunner(run, traces.Targets) { Progress = progress, Logger = log, RewardAudit = rewardAudit };
        return runner.Run(point.Stage, start, cancel);
    }

    /// <summary>A variant is finished when its final checkpoint exists (its trace was written before it).</summary>
    public static bool Finished(string root, SweepPoint point) =>
        TrainingCheckpoint.Latest(Path.Combine(PointFolder(root, point), "stages", point.Name)) is { } l && l.Step >= point.Stage.Training.MaxSteps;

    /// <summary>Concatenates traces in the given order (missing ones skipped) into <paramref name="path"/>, atomically.</summary>
    private static void Merge(string path, IEnumerable<string> parts)
    {
        var text = new System.Text.StringBuilder();
        foreach (var part in parts.Where(File.Exists)) text.Append(File.ReadAllText(part));
        IO.AtomicFile.WriteAllText(path, text.ToString());
    }
}
