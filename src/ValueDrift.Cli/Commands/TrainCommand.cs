using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Ppo;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift train sft|dpo|simpo|reward|ppo --model DIR --data FILE --out DIR [options]</c>: one post-training
/// stage. A thin parser: it builds a <see cref="Stage"/> from the options and runs it through
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
        public readonly Option<int> ProbeEvery = new("--probe-every") { Description = "with a trace: probe every N steps after the dense early schedule", DefaultValueFactory = _ => 50 };
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
        var train = new Command("train", "Run one post-training stage: sft, dpo, simpo, reward or ppo.");

        var sftCommon = new Common();
        var trainOnPrompt = new Option<bool>("--train-on-prompt") { Description = "put the prompt's tokens in the loss too" };
        var lastTurnOnly = new Option<bool>("--last-turn-only") { Description = "train only each conversation's last assistant answer (default: every assistant answer)" };
        var sft = sftCommon.Add(new Command("sft", "Supervised fine-tuning (token-mean NLL of the assistant answers).") { trainOnPrompt, lastTurnOnly });
        sft.SetAction(r => Execute(io, sftCommon, r, new Sft { TrainOnPrompt = r.GetValue(trainOnPrompt), LastTurnOnly = r.GetValue(lastTurnOnly) }));
        train.Subcommands.Add(sft);

        var dpoCommon = new Common();
        var dpoDefaults = new Dpo();
        var beta = new Option<double>("--beta") { Description = "DPO β (TRL default 0.1)", DefaultValueFactory = _ => dpoDefaults.Beta };
        var reference = new Option<string?>("--reference") { Description = "frozen reference model folder (default: reference log-probs precomputed from --model)" };
        var dpo = dpoCommon.Add(new Command("dpo", "Direct Preference Optimization.") { beta, reference });
        dpo.SetAction(r => Execute(io, dpoCommon, r, new Dpo { Beta = r.GetValue(beta), Reference = r.GetValue(reference) }));
        train.Subcommands.Add(dpo);

        var simpoCommon = new Common();
        var simpoDefaults = new SimPo();
        var simpoBeta = new Option<double>("--simpo-beta") { Description = "SimPO β (authors: 2.0–10)", DefaultValueFactory = _ => simpoDefaults.Beta };
        var simpoGamma = new Option<double?>("--simpo-gamma") { Description = "absolute target margin γ (TRL's simpo_gamma)" };
        var simpoRatio = new Option<double?>("--simpo-gamma-beta-ratio") { Description = $"γ/β, the SimPO authors' parameter (default {simpoDefaults.GammaBetaRatio})" };
        var simpo = simpoCommon.Add(new Command("simpo", "SimPO: length-normalised, reference-free preference optimisation.") { simpoBeta, simpoGamma, simpoRatio });
        simpo.SetAction(r =>
        {
            if (r.GetValue(simpoGamma) is not null && r.GetValue(simpoRatio) is not null)
                throw new ValueDriftException("--simpo-gamma and --simpo-gamma-beta-ratio are two ways to give γ: use one");
            return Execute(io, simpoCommon, r, new SimPo
            {
                Beta = r.GetValue(simpoBeta), Gamma = r.GetValue(simpoGamma), GammaBetaRatio = r.GetValue(simpoRatio) ?? simpoDefaults.GammaBetaRatio,
            });
        });
        train.Subcommands.Add(simpo);

        var rewardCommon = new Common();
        var reward = rewardCommon.Add(new Command("reward", "Reward model (Bradley–Terry) on preference pairs; the head is saved as value_head.safetensors."));
        reward.SetAction(r => Execute(io, rewardCommon, r, new Reward()));
        train.Subcommands.Add(reward);

        train.Subcommands.Add(BuildPpo(io));
        return train;
    }

    private static Command BuildPpo(CliIO io)
    {
        var common = new Common();
        var d = new Ppo();
        var rewardModel = new Option<string?>("--reward-model") { Description = $"reward model folder (with value_head.safetensors); the value model starts as a copy. Default: trained first on --data ({d.RewardModelSteps} steps, lr {d.RewardModelLearningRate})" };
        var rewardSteps = new Option<int>("--reward-model-steps") { Description = "steps of that reward-model training", DefaultValueFactory = _ => d.RewardModelSteps };
        var rewardLr = new Option<double>("--reward-model-lr") { Description = "learning rate of that reward-model training", DefaultValueFactory = _ => d.RewardModelLearningRate };
        var reference = new Option<string?>("--reference") { Description = "frozen reference model folder (default: --model)" };
        var klCoef = new Option<double>("--kl-coef") { Description = "per-token KL penalty (TRL 0.05)", DefaultValueFactory = _ => d.Options.KlCoef };
        var responseLength = new Option<int>("--response-length") { Description = "tokens sampled per response (TRL 53)", DefaultValueFactory = _ => d.Options.ResponseLength };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature (TRL 0.7)", DefaultValueFactory = _ => d.Options.Temperature };
        var epochs = new Option<int>("--ppo-epochs") { Description = "passes over each rollout (TRL 4)", DefaultValueFactory = _ => d.Options.NumPpoEpochs };
        var miniBatches = new Option<int>("--mini-batches") { Description = "mini-batches per pass (TRL 1)", DefaultValueFactory = _ => d.Options.NumMiniBatches };
        var eosPenalty = new Option<double?>("--missing-eos-penalty") { Description = "subtracted from the score of a response without a stop token" };
        var ppo = common.Add(new Command("ppo", "PPO against a reward model (TRL's PPOv2 design).")
            { rewardModel, rewardSteps, rewardLr, reference, klCoef, responseLength, temperature, epochs, miniBatches, eosPenalty });
        ppo.SetAction(r => Execute(io, common, r, d with
        {
            RewardModel = r.GetValue(rewardModel), RewardModelSteps = r.GetValue(rewardSteps), RewardModelLearningRate = r.GetValue(rewardLr),
            Reference = r.GetValue(reference),
            Options = d.Options with
            {
                KlCoef = r.GetValue(klCoef), ResponseLength = r.GetValue(responseLength), Temperature = r.GetValue(temperature),
                NumPpoEpochs = r.GetValue(epochs), NumMiniBatches = r.GetValue(miniBatches), MissingEosPenalty = r.GetValue(eosPenalty),
            },
        }));
        return ppo;
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
