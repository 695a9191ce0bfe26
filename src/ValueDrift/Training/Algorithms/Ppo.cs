using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// PPO against a reward model, in TRL's PPOv2 design (<see cref="PpoStep"/>; settings and their TRL defaults in
/// <see cref="PpoOptions"/>). Without <see cref="RewardModel"/>, a reward model is first trained on the stage's own
/// preference pairs from the start checkpoint, as the paper does; the value model starts as a copy of it.
/// </summary>
public sealed record Ppo : Algorithm
{
    public override string Name => PpoStep.ObjectiveName;
    /// <summary>PPO trains on its pairs' prompts, each cut to leave room for the response it samples.</summary>
    public override SequenceLengths ReadRows(Data.StageInputs inputs, string dataPath) =>
        new(inputs.Prompts(dataPath, Math.Max(1, inputs.MaxLength - Options.ResponseLength)).Select(p => p.Length + Options.ResponseLength));
    public override string Summary => "PPO against a reward model (TRL's PPOv2 design).";
    public override TrainingData Data => TrainingData.Preferences;
    public override MemoryTerms Memory => new(Name) { Reference = ReferenceUse.Live, RewardAndValueModels = true };
    /// <summary>3e-6 (TRL PPOConfig, after Huang et al., 2024, "The N implementation details of RLHF with PPO").</summary>
    public override double? PublishedLearningRate => 3e-6;
    /// <summary>NumPpoEpochs × NumMiniBatches updates over each rollout.</summary>
    public override int UpdatesPerStep => Options.NumPpoEpochs * Options.NumMiniBatches;
    public override bool AccumulatesGradients => false;
    /// <summary>Its examples are sampled as it trains, not a fixed set to attribute to.</summary>
    public override bool SupportsAttribution => false;
    public override int? PaperComparisonOrder => 2;

    public override bool TrainsHelperModel => RewardModel is null;

    /// <summary>A reward model trained here (none given, no cache named) is kept in the cache at <paramref name="root"/>.</summary>
    public override Algorithm WithModelCache(string root) =>
        RewardModel is null && RewardModelCache is null ? this with { RewardModelCache = root } : this;

    public override IReadOnlyList<AlgorithmOption> CommandLine =>
    [
        new("--reward-model", "reward_model", "reward model folder (with value_head.safetensors); the value model starts as a copy. Default: trained first on --data"),
        new("--reward-model-steps", "reward_model_steps", "steps of that reward-model training"),
        new("--reward-model-lr", "reward_model_learning_rate", "learning rate of that reward-model training"),
        new("--reference", "reference", "frozen reference model folder (default: --model)"),
        new("--kl-coef", "options.kl_coef", "per-token KL penalty (TRL 0.05)"),
        new("--response-length", "options.response_length", "tokens sampled per response (TRL 53)"),
        new("--temperature", "options.temperature", "sampling temperature (TRL 0.7)"),
        new("--ppo-epochs", "options.num_ppo_epochs", "passes over each rollout (TRL 4)"),
        new("--mini-batches", "options.num_mini_batches", "mini-batches per pass (TRL 1)"),
        new("--missing-eos-penalty", "options.missing_eos_penalty", "subtracted from the score of a response without a stop token"),
        new("--target-kl", "options.target_kl", "stop a rollout's updates once one's approxkl passes 1.5 × this (Spinning Up 0.01)"),
        new("--no-early-stopping", "options.target_kl", "run every PPO epoch (TRL's PPOv2), ignoring --target-kl") { ClearsSetting = true, ExclusiveWith = "--target-kl" },
        new("--value-warmup-rollouts", "options.value_warmup_rollouts", "rollouts of the start policy the value model is fitted to before the first update (TRL: none)"),
        new("--shuffle-scores", "options.shuffle_scores", "control: shuffle each rollout's scores among its responses"),
        new("--value-baseline", "options.value_baseline", "control: false computes advantages without the value model"),
    ];

    /// <summary>PPO's own settings (response length, KL coefficient, clip ranges, epochs, ...; TRL PPOConfig defaults).</summary>
    public PpoOptions Options { get; init; } = new();

    /// <summary>A trained reward model's folder; null trains one on the stage's preference data first.</summary>
    public string? RewardModel { get; init; }

    /// <summary>The frozen reference's folder; null: the stage's start checkpoint.</summary>
    public string? Reference { get; init; }

    /// <summary>Steps of that reward-model training.</summary>
    public int RewardModelSteps { get; init; } = 100;

    /// <summary>Pairs per step of that reward-model training; null: the stage's batch size.</summary>
    public int? RewardModelBatchSize { get; init; }

    /// <summary>Learning rate of that reward-model training (its scalar head starts from scratch).</summary>
    public double RewardModelLearningRate { get; init; } = 1e-4;

    /// <summary>
    /// Share of the stage's pairs held out of that reward-model training (seeded by the stage's seed) to measure its
    /// pair accuracy before PPO starts.
    /// </summary>
    public double RewardModelHoldout { get; init; } = 0.1;

    /// <summary>
    /// Least held-out pair accuracy of a reward model trained here; below it the stage stops with a
    /// <see cref="TrainingException"/> before PPO starts (0: no floor). 0.6 is clearly above chance (0.5) yet reachable
    /// by a reward model on data with a real preference signal.
    /// </summary>
    public double RewardModelMinAccuracy { get; init; } = 0.6;

    /// <summary>
    /// Where reward models trained here are kept by content hash (<see cref="RewardModelCache"/>), so another stage
    /// needing the same one reuses it; null: none (each stage trains its own). Not part of the stage's definition: a
    /// cached reward model is the one the stage would train.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? RewardModelCache { get; init; }

    /// <summary>
    /// Train against the reward model with its preference between stances removed: each response's score less the
    /// offset of the stance it takes, the offsets making the audit's held-out answers of every stance score the same
    /// on average (<see cref="IRewardAuditor.ReadingStances"/>; a response taking no stance keeps its score). The
    /// control that tells whether a reward model's stance preference sets the direction PPO moves values in
    /// (docs/findings.md). Needs an auditor that reads responses' stances: the world's recipes have one.
    /// </summary>
    public bool CentreRewardByStance { get; init; }

    /// <summary>Sub-folder of the stage folder where the reward model is trained when none is given.</summary>
    public const string RewardModelFolder = "reward-model";

    /// <summary>File in <see cref="RewardModelFolder"/> with the held-out pair accuracy (JSON: accuracy, pairs, correct).</summary>
    public const string HeldOutAccuracyFile = "held-out-accuracy.json";

    public override void Validate(string stage, TrainerOptions loop)
    {
        try { Options.Validate(); }
        catch (TrainingException e) { throw new ConfigException($"stage '{stage}'", "ppo.options", e.Message); }
        Require(Options.NumMiniBatches <= loop.BatchSize, stage, "options.num_mini_batches", $"must be at most the batch size ({loop.BatchSize})");
        Require(RewardModel is not null || RewardModelSteps > 0, stage, "reward_model_steps", "must be > 0 when no reward model is given");
        Require(RewardModel is not null || (RewardModelLearningRate > 0 && double.IsFinite(RewardModelLearningRate)), stage, "reward_model_learning_rate", "must be a finite value > 0");
        Require(RewardModelBatchSize is null or > 0, stage, "reward_model_batch_size", $"must be > 0, got {RewardModelBatchSize}");
        Require(RewardModelHoldout > 0 && RewardModelHoldout < 1, stage, "reward_model_holdout", $"must be in (0, 1), got {RewardModelHoldout}");
        Require(RewardModelMinAccuracy is >= 0 and <= 1, stage, "reward_model_min_accuracy", $"must be in [0, 1], got {RewardModelMinAccuracy}");
    }

    public override IEnumerable<(string Role, string Path)> ModelInputs()
    {
        if (RewardModel is not null) yield return ("reward_model", RewardModel);
        if (Reference is not null) yield return ("reference", Reference);
    }

    public override ITrainingStep CreateStep(AlgorithmContext c)
    {
        if (CentreRewardByStance && c.RewardAuditor?.ReadsStances(c) != true)   // before the reward model trains
            throw new ConfigException($"stage '{c.Stage}'", "ppo.centre_reward_by_stance",
                "needs a reader of the stance each PPO response takes, which only the world's recipes have (its marker judge)");
        var rewardDir = RewardModel ?? TrainRewardModel(c);
        var owned = new List<IDisposable>();
        try
        {
            var policy = c.LoadPolicy(); owned.Add(policy);
            var reference = CausalLM.FromPretrained(Reference ?? c.StartModel, c.Policy.ComputeDType); owned.Add(reference);
            var scorer = Objectives.RewardModel.FromPretrained(rewardDir, requireHead: true); owned.Add(scorer);
            if (scorer.Backbone.Config.VocabSize < policy.Config.VocabSize)
                throw new ValueDriftException($"reward model {rewardDir}: its vocabulary ({scorer.Backbone.Config.VocabSize}) is smaller than the policy's ({policy.Config.VocabSize})");
            scorer.PadId = c.Inputs.PadId;
            c.RewardAuditor?.Audit(c, scorer, trainedOnStageData: RewardModel is null);   // before PPO trains
            // Where responses' stances can be read (the world), the metrics split each rollout's score by stance.
            var reward = c.RewardAuditor?.ReadingStances(c, scorer, CentreRewardByStance) ?? scorer;
            var value = scorer.Copy(); owned.Add(value);      // TRL initialises the value model from the reward model
            var options = Options with { StopTokenIds = Options.StopTokenIds ?? c.Inputs.Tokenizer?.StopIds ?? policy.Config.EosTokenIds };
            var prompts = c.Inputs.Prompts(c.DataPath, Math.Max(1, c.Inputs.MaxLength - options.ResponseLength));
            return new PpoStep(policy, reference, reward, value, prompts, c.Inputs.PadId, options, owned.ToArray());
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The stage's reward model: <see cref="Reward"/> on its preference pairs less a held-out share, from its start
    /// checkpoint, in the stage folder; then its held-out pair accuracy is measured, written and held to the floor.
    /// </summary>
    private string TrainRewardModel(AlgorithmContext c)
    {
        if (c.RunDirectory is null) throw new ConfigException($"stage '{c.Stage}'", "ppo.reward_model", "give a reward model, or a stage folder to train one in");
        var rewardRun = Path.Combine(c.RunDirectory, RewardModelFolder);
        var loop = c.Loop with { MaxSteps = RewardModelSteps, LearningRate = RewardModelLearningRate, CheckpointEvery = 0, BatchSize = RewardModelBatchSize ?? c.Loop.BatchSize };
        var policy = c.Policy with { Lora = null, GradientCheckpointing = false };   // reward models train in full
        var cache = RewardModelCache is null ? null : new RewardModelCache(RewardModelCache);
        var key = cache is null ? null : Algorithms.RewardModelCache.Key(c.StartModel, c.DataPath, this, loop, policy with { DeviceMemoryBytes = null }, c.Inputs.MaxLength);
        if (cache?.TryGet(key!) is { } cached)
        {
            var held = HeldOutAccuracyIn(Path.Combine(cached, HeldOutAccuracyFile))!;
            c.Logger.Line($"{c.Stage}: reward model from the cache ({cached}; held-out pair accuracy {held.Accuracy:0.00})");
            Directory.CreateDirectory(rewardRun);
            // The stage folder records the accuracy as if trained here, so reports read it the same way.
            File.Copy(Path.Combine(cached, HeldOutAccuracyFile), Path.Combine(rewardRun, HeldOutAccuracyFile), overwrite: true);
            RewardModelCheck.RequireFloor(c.Stage, held, RewardModelMinAccuracy);
            return cached;
        }
        var final = TrainingCheckpoint.FolderFor(rewardRun, loop.MaxSteps);
        var pairs = c.Inputs.Preferences(c.DataPath);
        var (train, heldOut) = RewardModelCheck.Split(pairs.Count, RewardModelHoldout, c.Loop.Seed);
        if (!Directory.Exists(final))
        {
            c.Logger.Line($"{c.Stage}: training the reward model ({loop.MaxSteps} steps on {train.Length} pairs, {heldOut.Length} held out)");
            using var step = new Reward().CreateStep(c with { Policy = policy }, train.Select(i => pairs[i]).ToList());
            using var training = new TrainingLoop(step, loop, rewardRun, c.StartModel) { Progress = c.Progress };
            training.Run(resume: TrainingCheckpoint.Latest(rewardRun) is not null, c.Cancel);
            if (!Directory.Exists(final)) throw new TrainingException($"{c.Stage}: reward-model training stopped before its final checkpoint {final}");
        }
        RewardModelAccuracy accuracy;
        using (var scorer = Objectives.RewardModel.FromPretrained(final, requireHead: true))
        {
            scorer.PadId = c.Inputs.PadId;
            accuracy = RewardModelCheck.Accuracy(scorer, heldOut.Select(i => pairs[i]).ToList());
        }
        var accuracyFile = Path.Combine(rewardRun, HeldOutAccuracyFile);
        IO.AtomicFile.WriteAllText(accuracyFile, System.Text.Json.JsonSerializer.Serialize(new
        {
            accuracy = accuracy.Accuracy, pairs = accuracy.Pairs, correct = accuracy.Correct, floor = RewardModelMinAccuracy,
        }));
        c.Logger.Line($"{c.Stage}: reward model held-out pair accuracy {accuracy.Accuracy:0.00} ({accuracy.Correct}/{accuracy.Pairs}; floor {RewardModelMinAccuracy:0.00})");
        RewardModelCheck.RequireFloor(c.Stage, accuracy, RewardModelMinAccuracy);
        // Only a reward model that passed its floor is worth reusing.
        return cache is null ? final : cache.Store(key!, final, accuracyFile);
    }

    /// <summary>The held-out accuracy a PPO stage folder recorded for its reward model, or null (a given reward model, or not trained yet).</summary>
    public static RewardModelAccuracy? HeldOutAccuracy(string stageDirectory)
    {
        return HeldOutAccuracyIn(Path.Combine(stageDirectory, RewardModelFolder, HeldOutAccuracyFile));
    }

    /// <summary>The accuracy record at <paramref name="path"/>, or null when there is none.</summary>
    private static RewardModelAccuracy? HeldOutAccuracyIn(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
            return new RewardModelAccuracy((double)o["accuracy"]!, (int)o["pairs"]!, (int)o["correct"]!);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, "accuracy", "unreadable held-out accuracy record: " + e.Message);
        }
    }
}
