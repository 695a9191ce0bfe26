using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift train sft|dpo|simpo|reward|ppo --model DIR --data FILE --out DIR [options]</c>: one post-training
/// stage. Writes the run folder (config.json with the options used, metrics.jsonl, checkpoints/step-N), shows progress
/// on stderr and prints the last step's metrics as one JSON line on stdout. Ctrl+C stops after the current step with a
/// checkpoint (exit code 130); <c>--resume</c> continues from the newest checkpoint of --out.
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    private sealed class Common
    {
        public readonly Option<string> Model = new("--model") { Description = "starting model folder (Hugging Face format)", Required = true };
        public readonly Option<string> Data = new("--data") { Description = "training data (JSONL, JSON or Parquet)", Required = true };
        public readonly Option<string> Out = new("--out") { Description = "run folder (created)", Required = true };
        public readonly Option<int> Steps = new("--steps") { Description = "optimizer steps", DefaultValueFactory = _ => 100 };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "examples (pairs, PPO prompts) per micro-batch", DefaultValueFactory = _ => 8 };
        public readonly Option<int> GradAccum = new("--grad-accum") { Description = "micro-batches per step (not PPO)", DefaultValueFactory = _ => 1 };
        public readonly Option<double> Lr = new("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => 1e-4 };
        public readonly Option<int> Warmup = new("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => 0 };
        public readonly Option<string> Schedule = new("--schedule") { Description = "linear | cosine | constant", DefaultValueFactory = _ => "linear" };
        public readonly Option<long> Seed = new("--seed") { DefaultValueFactory = _ => 0 };
        public readonly Option<int> CheckpointEvery = new("--checkpoint-every") { Description = "checkpoint every N steps (0: only at the end)", DefaultValueFactory = _ => 0 };
        public readonly Option<bool> Resume = new("--resume") { Description = "continue from the newest checkpoint in --out" };
        public readonly Option<bool> SkipBadRows = new("--skip-bad-rows") { Description = "skip malformed rows (counted on stderr) instead of stopping" };
        public readonly Option<int?> MaxLength = new("--max-length") { Description = "most tokens per prompt + completion" };

        public Command Add(Command c)
        {
            foreach (Option o in new Option[] { Model, Data, Out, Steps, BatchSize, GradAccum, Lr, Warmup, Schedule, Seed, CheckpointEvery, Resume, SkipBadRows, MaxLength })
                c.Options.Add(o);
            return c;
        }

        public TrainerOptions Loop(ParseResult r) => new()
        {
            MaxSteps = r.GetValue(Steps), BatchSize = r.GetValue(BatchSize), GradientAccumulation = r.GetValue(GradAccum),
            LearningRate = r.GetValue(Lr), WarmupSteps = r.GetValue(Warmup), Seed = r.GetValue(Seed), CheckpointEvery = r.GetValue(CheckpointEvery),
            Decay = r.GetValue(Schedule)!.Trim().ToLowerInvariant() switch
            {
                "linear" => LearningRateDecay.Linear,
                "cosine" => LearningRateDecay.Cosine,
                "constant" => LearningRateDecay.Constant,
                var s => throw new ValueDriftException($"--schedule: unknown schedule '{s}' (linear, cosine, constant)"),
            },
        };
    }

    public Command Build(CliIO io)
    {
        var train = new Command("train", "Run one post-training stage: sft, dpo, simpo, reward or ppo.");

        var sftCommon = new Common();
        var sft = sftCommon.Add(new Command("sft", "Supervised fine-tuning (token-mean NLL of the completions)."));
        sft.SetAction(r => Execute(io, sftCommon, r, "sft", (inputs, config) =>
        {
            var policy = CausalLM.FromPretrained(r.GetValue(sftCommon.Model)!);
            return (new SftObjective(policy, inputs.Conversations(r.GetValue(sftCommon.Data)!), inputs.PadId), [policy]);
        }));
        train.Subcommands.Add(sft);

        var dpoCommon = new Common();
        var beta = new Option<double>("--beta") { Description = "DPO β (TRL default 0.1)", DefaultValueFactory = _ => 0.1 };
        var reference = new Option<string?>("--reference") { Description = "frozen reference model folder (default: reference log-probs precomputed from --model)" };
        var dpo = dpoCommon.Add(new Command("dpo", "Direct Preference Optimization.") { beta, reference });
        dpo.SetAction(r => Execute(io, dpoCommon, r, "dpo", (inputs, config) =>
        {
            var policy = CausalLM.FromPretrained(r.GetValue(dpoCommon.Model)!);
            var frozen = r.GetValue(reference) is { } dir ? CausalLM.FromPretrained(dir) : null;
            config["beta"] = r.GetValue(beta);
            config["reference"] = r.GetValue(reference);
            return (new DpoObjective(policy, inputs.Preferences(r.GetValue(dpoCommon.Data)!), inputs.PadId, r.GetValue(beta), frozen), frozen is null ? [policy] : [policy, frozen]);
        }));
        train.Subcommands.Add(dpo);

        var simpoCommon = new Common();
        var simpoBeta = new Option<double>("--simpo-beta") { Description = "SimPO β (authors: 2.0–10)", DefaultValueFactory = _ => 2.0 };
        var simpoGamma = new Option<double?>("--simpo-gamma") { Description = "absolute target margin γ (TRL's simpo_gamma)" };
        var simpoRatio = new Option<double?>("--simpo-gamma-beta-ratio") { Description = "γ/β, the SimPO authors' parameter (default 0.5)" };
        var simpo = simpoCommon.Add(new Command("simpo", "SimPO: length-normalised, reference-free preference optimisation.") { simpoBeta, simpoGamma, simpoRatio });
        simpo.SetAction(r => Execute(io, simpoCommon, r, "simpo", (inputs, config) =>
        {
            double b = r.GetValue(simpoBeta);
            if (r.GetValue(simpoGamma) is not null && r.GetValue(simpoRatio) is not null)
                throw new ValueDriftException("--simpo-gamma and --simpo-gamma-beta-ratio are two ways to give γ: use one");
            double gamma = r.GetValue(simpoGamma) ?? (r.GetValue(simpoRatio) ?? 0.5) * b;
            config["simpo_beta"] = b;
            config["simpo_gamma"] = gamma;
            var policy = CausalLM.FromPretrained(r.GetValue(simpoCommon.Model)!);
            return (new SimPoObjective(policy, inputs.Preferences(r.GetValue(simpoCommon.Data)!), inputs.PadId, b, gamma), [policy]);
        }));
        train.Subcommands.Add(simpo);

        var rewardCommon = new Common();
        var reward = rewardCommon.Add(new Command("reward", "Reward model (Bradley–Terry) on preference pairs; the head is saved as value_head.safetensors."));
        reward.SetAction(r => Execute(io, rewardCommon, r, "reward", (inputs, config) =>
        {
            var model = RewardModel.FromPretrained(r.GetValue(rewardCommon.Model)!, requireHead: false);
            model.PadId = inputs.PadId;
            return (new RewardModelObjective(model, inputs.Preferences(r.GetValue(rewardCommon.Data)!), inputs.PadId), [model]);
        }));
        train.Subcommands.Add(reward);

        train.Subcommands.Add(BuildPpo(io));
        return train;
    }

    private static Command BuildPpo(CliIO io)
    {
        var common = new Common();
        var rewardModel = new Option<string>("--reward-model") { Description = "reward model folder (with value_head.safetensors); the value model starts as a copy", Required = true };
        var reference = new Option<string?>("--reference") { Description = "frozen reference model folder (default: --model)" };
        var klCoef = new Option<double>("--kl-coef") { Description = "per-token KL penalty (TRL 0.05)", DefaultValueFactory = _ => 0.05 };
        var responseLength = new Option<int>("--response-length") { Description = "tokens sampled per response (TRL 53)", DefaultValueFactory = _ => 53 };
        var temperature = new Option<double>("--temperature") { Description = "sampling temperature (TRL 0.7)", DefaultValueFactory = _ => 0.7 };
        var epochs = new Option<int>("--ppo-epochs") { Description = "passes over each rollout (TRL 4)", DefaultValueFactory = _ => 4 };
        var miniBatches = new Option<int>("--mini-batches") { Description = "mini-batches per pass (TRL 1)", DefaultValueFactory = _ => 1 };
        var eosPenalty = new Option<double?>("--missing-eos-penalty") { Description = "subtracted from the score of a response without a stop token" };
        var ppo = common.Add(new Command("ppo", "PPO against a reward model (TRL's PPOv2 design).") { rewardModel, reference, klCoef, responseLength, temperature, epochs, miniBatches, eosPenalty });
        ppo.SetAction(r => Guard(io, () =>
        {
            var modelDir = r.GetValue(common.Model)!;
            var outDir = r.GetValue(common.Out)!;
            var options = new PpoOptions
            {
                Loop = common.Loop(r), KlCoef = r.GetValue(klCoef), ResponseLength = r.GetValue(responseLength), Temperature = r.GetValue(temperature),
                NumPpoEpochs = r.GetValue(epochs), NumMiniBatches = r.GetValue(miniBatches), MissingEosPenalty = r.GetValue(eosPenalty),
            };
            using var policy = CausalLM.FromPretrained(modelDir);
            using var frozen = CausalLM.FromPretrained(r.GetValue(reference) ?? modelDir);
            using var scorer = RewardModel.FromPretrained(r.GetValue(rewardModel)!, requireHead: true);
            if (scorer.Backbone.Config.VocabSize < policy.Config.VocabSize)
                throw new ValueDriftException($"--reward-model: its vocabulary ({scorer.Backbone.Config.VocabSize}) is smaller than the policy's ({policy.Config.VocabSize})");
            var inputs = new StageInputs(modelDir, policy.Config, r.GetValue(common.MaxLength), r.GetValue(common.SkipBadRows), io.Err);
            int maxPrompt = Math.Max(1, (r.GetValue(common.MaxLength) ?? int.MaxValue) - options.ResponseLength);
            var prompts = inputs.Prompts(r.GetValue(common.Data)!, maxPrompt);
            scorer.PadId = inputs.PadId;
            using var value = scorer.Copy();
            options = options with { StopTokenIds = inputs.Tokenizer?.StopIds ?? policy.Config.EosTokenIds };
            var config = RunConfig("ppo", r, common);
            config["reward_model"] = r.GetValue(rewardModel);
            config["reference"] = r.GetValue(reference) ?? modelDir;
            config["kl_coef"] = options.KlCoef; config["response_length"] = options.ResponseLength; config["temperature"] = options.Temperature;
            config["ppo_epochs"] = options.NumPpoEpochs; config["mini_batches"] = options.NumMiniBatches; config["missing_eos_penalty"] = options.MissingEosPenalty;
            config["cliprange"] = options.ClipRange; config["cliprange_value"] = options.ClipRangeValue; config["vf_coef"] = options.VfCoef;
            config["gamma"] = options.Gamma; config["lambda"] = options.Lambda;
            WriteConfig(outDir, config);

            var trainer = new PpoTrainer(policy, frozen, scorer, value, prompts, inputs.PadId, options, outDir, modelDir);
            IReadOnlyDictionary<string, double>? last = null;
            trainer.StepEnded += e => last = e.Metrics;
            return RunWithCancel(io, "ppo", options.Loop.MaxSteps, outDir, (progress, cancel) =>
            {
                trainer.Progress = progress;
                trainer.Run(r.GetValue(common.Resume), cancel);
            }, () => last);
        }));
        return ppo;
    }

    private static int Execute(CliIO io, Common common, ParseResult r, string name,
        Func<StageInputs, JsonObject, (ITrainingObjective Objective, IDisposable[] Owned)> build) => Guard(io, () =>
    {
        var modelDir = r.GetValue(common.Model)!;
        var outDir = r.GetValue(common.Out)!;
        var loop = common.Loop(r);
        var config = RunConfig(name, r, common);
        var inputs = new StageInputs(modelDir, ModelConfig.Load(Path.Combine(modelDir, "config.json")), r.GetValue(common.MaxLength), r.GetValue(common.SkipBadRows), io.Err);
        var (objective, owned) = build(inputs, config);
        try
        {
            var trainer = new Trainer(objective, loop, outDir, modelDir);
            WriteConfig(outDir, config);
            IReadOnlyDictionary<string, double>? last = null;
            trainer.StepEnded += e => last = e.Metrics;
            return RunWithCancel(io, name, loop.MaxSteps, outDir, (progress, cancel) =>
            {
                trainer.Progress = progress;
                trainer.Run(r.GetValue(common.Resume), cancel);
            }, () => last);
        }
        finally { foreach (var d in owned) d.Dispose(); }
    });

    /// <summary>Missing folders and files are input errors (exit 2), not crashes.</summary>
    private static int Guard(CliIO io, Func<int> run)
    {
        try { return run(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ValueDriftException(e.Message, e);
        }
    }

    private static int RunWithCancel(CliIO io, string name, int maxSteps, string outDir, Action<IProgress<TrainingProgress>, CancellationToken> run,
        Func<IReadOnlyDictionary<string, double>?> lastMetrics)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try { TrainingConsole.Run(io, name, maxSteps, progress => run(progress, cts.Token)); }
        finally { Console.CancelKeyPress -= onCancel; }

        var latest = TrainingCheckpoint.Latest(outDir);
        var summary = new JsonObject { ["objective"] = name, ["step"] = latest?.Step, ["checkpoint"] = latest?.Directory, ["cancelled"] = cts.IsCancellationRequested };
        var metrics = new JsonObject();
        foreach (var (k, v) in lastMetrics() ?? new Dictionary<string, double>()) metrics[k] = double.IsFinite(v) ? v : null;
        summary["metrics"] = metrics;
        io.Out.WriteLine(summary.ToJsonString());
        if (lastMetrics() is { } m)
            io.Err.WriteLine($"{name}: step {latest?.Step} " + string.Join(" ", m.Where(kv => kv.Key is "loss" or "rewards/accuracies" or "rewards/margins" or "objective/scores" or "objective/kl")
                .Select(kv => $"{kv.Key} {kv.Value.ToString("G4", CultureInfo.InvariantCulture)}")));
        if (cts.IsCancellationRequested)
        {
            io.Err.WriteLine($"cancelled: checkpoint {latest?.Directory} saved; continue with --resume");
            return 130;
        }
        return 0;
    }

    private static JsonObject RunConfig(string name, ParseResult r, Common c) => new()
    {
        ["objective"] = name,
        ["model"] = r.GetValue(c.Model), ["data"] = r.GetValue(c.Data), ["out"] = r.GetValue(c.Out),
        ["steps"] = r.GetValue(c.Steps), ["batch_size"] = r.GetValue(c.BatchSize), ["grad_accum"] = r.GetValue(c.GradAccum),
        ["lr"] = r.GetValue(c.Lr), ["warmup"] = r.GetValue(c.Warmup), ["schedule"] = r.GetValue(c.Schedule), ["seed"] = r.GetValue(c.Seed),
        ["checkpoint_every"] = r.GetValue(c.CheckpointEvery), ["resume"] = r.GetValue(c.Resume), ["skip_bad_rows"] = r.GetValue(c.SkipBadRows),
        ["max_length"] = r.GetValue(c.MaxLength),
    };

    private static void WriteConfig(string outDir, JsonObject config)
    {
        Directory.CreateDirectory(outDir);
        IO.AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
