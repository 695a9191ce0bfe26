namespace ValueDrift.Training.Ppo;

/// <summary>
/// PPO hyperparameters (TRL's PPOv2 design, see docs/training.md), each default written here once. The loop options
/// (steps, learning rate and schedule, clipping, seed, checkpoints) are the <see cref="TrainerOptions"/> every
/// algorithm uses; for PPO <see cref="TrainerOptions.BatchSize"/> is the number of prompts rolled out per step and
/// <see cref="TrainerOptions.GradientAccumulation"/> is not used (see <see cref="NumMiniBatches"/>).
/// Defaults equal TRL's PPOConfig, except <see cref="TargetKl"/> (early stopping, which TRL's PPOv2 does not have).
/// </summary>
public sealed record PpoOptions
{
    /// <summary>Tokens sampled per response (TRL: response_length 53).</summary>
    public int ResponseLength { get; init; } = 53;
    /// <summary>Sampling temperature; log-probs are computed from logits / (T + 1e-7) to match (TRL: 0.7).</summary>
    public double Temperature { get; init; } = 0.7;
    /// <summary>Weight of the per-token k1 KL penalty to the reference (TRL: kl_coef 0.05).</summary>
    public double KlCoef { get; init; } = 0.05;
    /// <summary>Policy ratio clip ε (TRL: cliprange 0.2).</summary>
    public double ClipRange { get; init; } = 0.2;
    /// <summary>Value clip around the rollout's values (TRL: cliprange_value 0.2).</summary>
    public double ClipRangeValue { get; init; } = 0.2;
    /// <summary>Weight of the value loss in the total (TRL: vf_coef 0.1).</summary>
    public double VfCoef { get; init; } = 0.1;
    /// <summary>Discount γ (TRL: 1.0).</summary>
    public double Gamma { get; init; } = 1.0;
    /// <summary>GAE λ (TRL: 0.95).</summary>
    public double Lambda { get; init; } = 0.95;
    /// <summary>Passes over each rollout batch (TRL: num_ppo_epochs 4).</summary>
    public int NumPpoEpochs { get; init; } = 4;
    /// <summary>Shuffled mini-batches per pass; one optimizer update each (TRL: num_mini_batches 1).</summary>
    public int NumMiniBatches { get; init; } = 1;
    /// <summary>
    /// Target-KL early stopping of a rollout's updates: before each mini-batch update, once that mini-batch's
    /// policy/approxkl (to the rollout's policy) exceeds <see cref="PpoMath.TargetKlFactor"/> × TargetKl, the update
    /// is not applied and the rollout's remaining epochs and mini-batches are skipped (<see cref="PpoMath.StopsEarly"/>;
    /// the rule of OpenAI Spinning Up's PPO, stable-baselines3 and TRL's earlier PPOTrainer). 0.01 is Spinning Up's
    /// default target_kl (TRL's PPOv2 has no early stopping). Null: every epoch runs (TRL's PPOv2).
    /// </summary>
    public double? TargetKl { get; init; } = 0.01;
    /// <summary>Subtracted from the score of a response that never emitted a stop token (TRL: missing_eos_penalty, off).</summary>
    public double? MissingEosPenalty { get; init; }
    /// <summary>
    /// A control, off in every published set-up: each rollout's scores are shuffled among its responses (a permutation
    /// drawn from the seed and the step), so the reward keeps its distribution but no longer says anything about what
    /// was written. What PPO still does then comes from the value model and from sampling, not from the reward.
    /// </summary>
    public bool ShuffleScores { get; init; }
    /// <summary>
    /// Whether GAE reads the value model (TRL). False: a control in which advantages are computed as if every value
    /// were 0 (the value model still trains, unread); with <see cref="Lambda"/> 1 each token's advantage is then its
    /// response's return, whitened over the rollout — REINFORCE with the rollout's mean as baseline — so no reading of
    /// partial answers enters what the policy is pushed toward.
    /// </summary>
    public bool ValueBaseline { get; init; } = true;
    /// <summary>
    /// Rollouts of the start policy whose returns train the value model alone before PPO's first update (0: none, as
    /// TRL). TRL's value model starts as a copy of the reward model, which was trained on finished answers only; its
    /// readings of partial answers are then guesses that enter every token's advantage (docs/findings.md, "What sets
    /// PPO's direction"). Each warm-up rollout is sampled with its own seed from the prompts of the steps to come and
    /// fitted for <see cref="NumPpoEpochs"/> × <see cref="NumMiniBatches"/> value updates by an AdamW of its own at the
    /// stage's learning rate, so PPO's optimizer starts as it would without it.
    /// </summary>
    public int ValueWarmupRollouts { get; init; }
    /// <summary>Ids that end a response (kept in it); null = the policy config's eos_token_id list.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    public void Validate()
    {
        void Check(bool ok, string field, string problem) { if (!ok) throw new Errors.TrainingException($"PPO option {field}: {problem}"); }
        Check(ResponseLength > 0, nameof(ResponseLength), "must be > 0");
        Check(Temperature > 0 && double.IsFinite(Temperature), nameof(Temperature), "must be a finite value > 0 (log-probs divide by it)");
        Check(KlCoef >= 0 && double.IsFinite(KlCoef), nameof(KlCoef), "must be a finite value ≥ 0");
        Check(ClipRange > 0 && ClipRange < 1, nameof(ClipRange), "must be in (0, 1)");
        Check(ClipRangeValue > 0 && double.IsFinite(ClipRangeValue), nameof(ClipRangeValue), "must be a finite value > 0");
        Check(VfCoef >= 0 && double.IsFinite(VfCoef), nameof(VfCoef), "must be a finite value ≥ 0");
        Check(Gamma is >= 0 and <= 1, nameof(Gamma), "must be in [0, 1]");
        Check(Lambda is >= 0 and <= 1, nameof(Lambda), "must be in [0, 1]");
        Check(NumPpoEpochs > 0, nameof(NumPpoEpochs), "must be > 0");
        Check(ValueWarmupRollouts >= 0, nameof(ValueWarmupRollouts), "must be ≥ 0");
        Check(NumMiniBatches > 0, nameof(NumMiniBatches), "must be > 0 (and at most the batch size)");
        Check(TargetKl is null || (TargetKl > 0 && double.IsFinite(TargetKl.Value)), nameof(TargetKl), "must be a finite value > 0, or null for no early stopping");
        Check(MissingEosPenalty is null || double.IsFinite(MissingEosPenalty.Value), nameof(MissingEosPenalty), "must be finite");
    }
}
