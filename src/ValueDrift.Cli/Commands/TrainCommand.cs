using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift train NAME --model DIR --data FILE --out DIR [options]</c>: one post-training
/// stage of any method of <see cref="AlgorithmRegistry"/>, its options read from the method's record. A thin parser: it builds a <see cref="Stage"/> from the options and runs it through
/// <see cref="StageRunner"/>, the same road notebooks and the world experiment take. Writes the stage folder
/// (stage.json, metrics.jsonl, checkpoints/step-N), shows progress on stderr and prints the last step's metrics as one
/// JSON line on stdout. Ctrl+C stops after the current step with a checkpoint (exit code 130); running the same stage
/// again continues from the newest checkpoint (<c>--resume</c> also allows more <c>--steps</c> than before).
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    /// <summary>Options every stage has; their defaults are those of <see cref="TrainerOptions"/>.</summary>
    private sealed class Common
    {
        private static readonly TrainerOptions Defaults = new();
        public readonly Option<string> Model = new("--model") { Description = "starting model folder (Hugging Face format)", Required = true };
        public readonly Option<string> Data = new("--data") { Description = "training data (JSONL, JSON or Parquet)", Required = true };
        public readonly Option<string> Out = new("--out") { Description = "stage folder (created)", Required = true };
        public readonly Option<int> Steps = new("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => Defaults.MaxSteps };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "examples (pairs, PPO prompts) per micro-batch", DefaultValueFactory = _ => Defaults.BatchSize };
        public readonly Option<int> GradAccum = new("--grad-accum") { Description = "micro-batches per step (not PPO)", DefaultValueFactory = _ => Defaults.GradientAccumulation };
        public readonly Option<double> Lr = new("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => Defaults.LearningRate };
        public readonly Option<int> Warmup = new("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => Defaults.WarmupSteps };
        public readonly Option<string> Schedule = new("--schedule") { Description = "linear | cosine | constant", DefaultValueFactory = _ => Defaults.Decay.ToString().ToLowerInvariant() };
        public readonly Option<long> Seed = new("--seed") { DefaultValueFactory = _ => Defaults.Seed };
        public readonly Option<int> CheckpointEvery = new("--checkpoint-every") { Description = "checkpoint every N steps (0: only at the end)", DefaultValueFactory = _ => Defaults.CheckpointEvery };
        public readonly Option<int> KeepCheckpoints = new("--keep-checkpoints") { Description = "keep only the newest N checkpoints (0: all)", DefaultValueFactory = _ => Defaults.KeepCheckpoints };
        public readonly Option<bool> Resume = new("--resume") { Description = "continue from the newest checkpoint in --out, also past the steps it was run with" };
        public readonly Option<bool> NewFolder = new("--new-folder") { Description = "if --out holds a different stage, run in --out.2 (.3, …) instead of stopping" };
        public readonly Option<bool> SkipBadRows = new("--skip-bad-rows") { Description = "skip malformed rows (counted on stderr) instead of stopping" };
        public readonly Option<int?> MaxLength = new("--max-length") { Description = "most tokens per prompt + completion" };
        public readonly Option<int> ProbeEvery = new("--probe-every") { Description = "with a trace: probe every N steps after the dense early schedule", DefaultValueFactory = _ => Experiments.Stage.DefaultProbeEvery };
        public readonly Option<string?> AdapterBase = AdapterBaseOption.Create();
        public readonly StageTraceOptions Trace = new();
        public readonly PolicyOptionSet Policy = new();

        public Command Add(Command c)
        {
            foreach (Option o in new Option[] { Model, Data, Out, Steps, BatchSize, GradAccum, Lr, Warmup, Schedule, Seed, CheckpointEvery, KeepCheckpoints, Resume, NewFolder, SkipBadRows, MaxLength, ProbeEvery, AdapterBase })
                c.Options.Add(o);
            Trace.Add(c);
            Policy.Add(c);
            return c;
        }

        public TrainerOptions Loop(ParseResult r) => Defaults with
        {
            MaxSteps = r.GetValue(Steps), BatchSize = r.GetValue(BatchSize), GradientAccumulation = r.GetValue(GradAccum),
            LearningRate = r.GetValue(Lr), WarmupSteps = r.GetValue(Warmup), Seed = r.GetValue(Seed), CheckpointEvery = r.GetValue(CheckpointEvery),
            KeepCheckpoints = r.GetValue(KeepCheckpoints),
            Decay = r.GetValue(Schedule)!.Trim().ToLowerInvariant() switch
            {
                "linear" => LearningRateDecay.Linear,
                "cosine" => LearningRateDecay.Cosine,
                "constant" => LearningRateDecay.Constant,
                var s => throw new ValueDriftException($"--schedule: unknown schedule '{s}' (linear, cosine, constant)"),
            },
        };

        public Stage Stage(ParseResult r, Algorithm algorithm) => new()
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(r.GetValue(Out)!))),
            Algorithm = algorithm, DataPath = r.GetValue(Data)!, Training = Loop(r), MaxLength = r.GetValue(MaxLength),
            SkipBadRows = r.GetValue(SkipBadRows), ProbeEvery = r.GetValue(ProbeEvery), Policy = Policy.Read(r),
        };
    }

    public Command Build(CliIO io)
    {
        var train = new Command("train", $"Run one post-training stage: {string.Join(", ", AlgorithmRegistry.Names)}.");
        foreach (var algorithm in AlgorithmRegistry.All) train.Subcommands.Add(Build(io, algorithm));
        return train;
    }

    /// <summary><c>train NAME</c> from the method's record: its summary, its options and the options every stage has.</summary>
    private static Command Build(CliIO io, Algorithm defaults)
    {
        var common = new Common();
        var command = common.Add(new Command(defaults.Name, defaults.Summary));
        var own = new AlgorithmOptions(defaults);
        own.AddTo(command);
        command.SetAction(r => Execute(io, common, r, own.Read(r)));
        return command;
    }

    private static int Execute(CliIO io, Common common, ParseResult r, Algorithm algorithm) => Guard(() =>
    {
        AdapterBaseOption.Apply(r, common.AdapterBase);
        var stage = common.Stage(r, algorithm);
        var modelDir = r.GetValue(common.Model)!;
        using var traces = common.Trace.Open(r, modelDir, io);
        var runner = new StageRunner(traces?.Targets)
        {
            Logger = LineLogger.To(io.Err), AllowMoreSteps = r.GetValue(common.Resume),
            OnChange = r.GetValue(common.NewFolder) ? StageChangePolicy.NewFolder : StageChangePolicy.Refuse,
            RestartAdvice = _ => $"run: valuedrift {string.Join(" ", r.Tokens.Select(t => CommandLine.Quote(t.Value)))} --new-folder (it runs in {CommandLine.Quote(r.GetValue(common.Out)!)}.2, this folder kept as it is)",
        };
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        StageResult? result = null;
        try { TrainingConsole.Run(io, algorithm.Name, stage.Training.MaxSteps, progress => { runner.Progress = progress; result = runner.Run(stage, modelDir, r.GetValue(common.Out)!, cts.Token); }); }
        finally { Console.CancelKeyPress -= onCancel; }
        return Summarise(io, algorithm.Name, result!, cts.IsCancellationRequested);
    });

    /// <summary>Missing folders and files are input errors (exit 2), not crashes.</summary>
    private static int Guard(Func<int> run)
    {
        try { return run(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ValueDriftException(e.Message, e);
        }
    }

    /// <summary>One JSON line on stdout (step, checkpoint, the last step's metrics) and one readable line on stderr.</summary>
    private static int Summarise(CliIO io, string name, StageResult result, bool cancelled)
    {
        var latest = TrainingCheckpoint.Latest(result.Directory);
        var last = result.Metrics.Count > 0 ? result.Metrics[^1].Metrics : LastLoggedMetrics(result.Directory);
        var summary = new JsonObject
        {
            ["objective"] = name, ["stage"] = result.Stage.Name, ["folder"] = result.Directory, ["step"] = latest?.Step, ["checkpoint"] = latest?.Directory,
            ["cancelled"] = cancelled, ["already_complete"] = result.AlreadyComplete,
        };
        var metrics = new JsonObject();
        foreach (var (k, v) in last ?? new Dictionary<string, double>()) metrics[k] = double.IsFinite(v) ? v : null;
        summary["metrics"] = metrics;
        io.Out.WriteLine(summary.ToJsonString());
        if (last is { } m)
            io.Err.WriteLine($"{name}: step {latest?.Step} " + string.Join(" ", m.Where(kv => kv.Key is "loss" or "rewards/accuracies" or "rewards/margins" or "objective/scores" or "objective/kl")
                .Select(kv => $"{kv.Key} {kv.Value.ToString("G4", CultureInfo.InvariantCulture)}")));
        if (cancelled)
        {
            io.Err.WriteLine($"cancelled: checkpoint {latest?.Directory} saved; run the same command again to continue");
            return 130;
        }
        return 0;
    }

    /// <summary>The last line of metrics.jsonl (a stage that was already complete trained nothing this time).</summary>
    private static IReadOnlyDictionary<string, double>? LastLoggedMetrics(string stageDirectory)
    {
        var path = Path.Combine(stageDirectory, "metrics.jsonl");
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).LastOrDefault(l => l.Trim().Length > 0);
        if (line is null || JsonNode.Parse(line) is not JsonObject o) return null;
        return o.Where(kv => kv.Key != "step" && kv.Value is JsonValue v && v.TryGetValue<double>(out _))
            .ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>());
    }
}
