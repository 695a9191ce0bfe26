using System.Globalization;
using System.Text;
using ValueDrift.Errors;

namespace ValueDrift.Models;

/// <summary>What a planned run would do. Defaults mirror the trainer's (batch 8, full fine-tuning, float32).</summary>
public sealed record MemoryPlanOptions
{
    public const int DefaultBatchSize = 8;
    public const int DefaultMaxLength = 1024;

    /// <summary>The method's memory terms, from its record (<c>Algorithm.Memory</c>).</summary>
    public required MemoryTerms Terms { get; init; }
    /// <summary>Examples (pairs for preference methods, prompts for PPO) per micro-batch.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;
    /// <summary>Tokens per sequence (prompt + completion): the truncation limit.</summary>
    public int MaxLength { get; init; } = DefaultMaxLength;
    /// <summary>
    /// The data's lengths after truncation at <see cref="MaxLength"/>, when the data was read; null: every sequence is
    /// planned at <see cref="MaxLength"/> (the most any batch can pad to).
    /// </summary>
    public SequenceLengths? Data { get; init; }

    /// <summary>The length a batch pads to at most: the longest row within the limit, else the limit.</summary>
    public int SequenceLength => Data is null ? MaxLength : Math.Min(MaxLength, Data.Longest);
    /// <summary>LoRA rank; null = full fine-tuning.</summary>
    public int? LoraRank { get; init; }
    public IReadOnlyList<string> LoraTargets { get; init; } = LoraConfig.DefaultTargets;
    /// <summary>True = bf16 mixed precision (bf16 weights, gradients and activations; float32 master weights and Adam moments).</summary>
    public bool Bf16 { get; init; }
    public bool GradientCheckpointing { get; init; }
    /// <summary>A method that caches its reference's log-probs (DPO) runs a frozen reference model every step instead.</summary>
    public bool LiveReference { get; init; }

    public string DTypeName => Bf16 ? "bf16" : "fp32";

    /// <summary>Whether a dtype name (fp32, bf16) asks for bf16 mixed precision; fp16 training is not planned.</summary>
    public static bool ParseBf16(string text)
    {
        var dtype = Checkpoint.ParseDType(text, "--dtype", "dtype");
        if (dtype == TorchSharp.torch.ScalarType.Float16) throw new ConfigException("--dtype", "dtype", "fp16 training is not planned: use bf16 (no loss scaling needed)");
        return dtype == TorchSharp.torch.ScalarType.BFloat16;
    }

    public MemoryPlanOptions Validated()
    {
        if (BatchSize <= 0) throw new ConfigException("plan options", "batch-size", $"must be positive, got {BatchSize}");
        if (MaxLength <= 0) throw new ConfigException("plan options", "max-length", $"must be positive, got {MaxLength}");
        if (LoraRank is { } r) _ = new LoraConfig { Rank = r, Targets = LoraTargets }.Validated("plan options");
        return this;
    }
}

/// <summary>
/// The memory a training step needs, from config.json alone (no weights read). Formulas (docs/scaling.md):
/// P parameters, N trainable (P, or the LoRA factors), w bytes per weight element (4 fp32, 2 bf16):
/// weights P·w; gradients N·w; AdamW state N·8 (m, v in float32), plus N·4 float32 master weights in bf16;
/// reference 0 (cached log-probs, or the policy with its adapter switched off) or P·w for a live frozen copy;
/// PPO's reward model (P + h)·w and value model (P + h)·w plus its own gradients and optimizer state; activations
/// S·T·(L·E·w + 2·V·(w + 8)) with S sequences per micro-batch, T the length they pad to (the data's longest row after
/// truncation when the data was read, else the limit), E the elements a decoder layer keeps per token, and the
/// logits kept in the compute dtype, as float32 and as float32 log-probabilities, and their gradients at the start of
/// backward; with gradient checkpointing S·T·((L·h + E)·w + 2·V·(w + 8)). An estimate: allocator slack, CUDA context and kernels' workspaces are not counted.
/// </summary>
public sealed record MemoryPlan
{
    public required ModelConfig Config { get; init; }
    public required MemoryPlanOptions Options { get; init; }
    public required long Parameters { get; init; }
    public required long TrainableParameters { get; init; }
    public required long WeightsBytes { get; init; }
    public required long GradientsBytes { get; init; }
    public required long OptimizerBytes { get; init; }
    /// <summary>How the reference policy is held: none, cached log-probs, adapter disabled, or a frozen copy.</summary>
    public required string Reference { get; init; }
    public required long ReferenceBytes { get; init; }
    public required long RewardValueBytes { get; init; }
    public required long ActivationsBytes { get; init; }
    public long TotalBytes => WeightsBytes + GradientsBytes + OptimizerBytes + ReferenceBytes + RewardValueBytes + ActivationsBytes;

    public bool Fits(long deviceBytes) => TotalBytes <= deviceBytes;

    /// <summary>Parameters of a Llama/Qwen3 decoder: embedding, per layer attention (+ q/k norms for Qwen3), SwiGLU MLP and two norms, the final norm and an untied head.</summary>
    public static long ParameterCount(ModelConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, m = c.IntermediateSize;
        long attention = h * q + 2 * h * kv + q * h + (c.AttentionBias ? q + 2 * kv + h : 0) + (c.HasQkNorm ? 2L * c.HeadDim : 0);
        long mlp = 3 * h * m + (c.MlpBias ? 2 * m + h : 0);
        long layer = attention + mlp + 2 * h;
        long embedding = (long)c.VocabSize * h;
        return embedding + c.NumHiddenLayers * layer + h + (c.TieWordEmbeddings ? 0 : embedding);
    }

    /// <summary>
    /// Elements one decoder layer keeps per token for backward: the attention block keeps its input and normed input
    /// (2h), q/k/v (q + 2kv), rotated q and k (q + kv), keys and values repeated to every head (2q), the attention
    /// output (q) and the attention probabilities (heads·T, as the math attention kernel stores them); the MLP block
    /// its input and normed input (2h), gate, up, silu(gate) and their product (4m).
    /// </summary>
    public static long LayerActivationElements(ModelConfig c, int maxLength)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, m = c.IntermediateSize;
        return 4 * h + 5 * q + 3 * kv + 4 * m + (long)c.NumAttentionHeads * maxLength;
    }

    public static MemoryPlan For(ModelConfig c, MemoryPlanOptions o)
    {
        o = o.Validated();
        long P = ParameterCount(c), h = c.HiddenSize;
        long w = o.Bf16 ? 2 : 4;
        bool lora = o.LoraRank is not null;
        long N = lora ? new LoraConfig { Rank = o.LoraRank!.Value, Targets = o.LoraTargets }.ParameterCount(c) : P;
        var terms = o.Terms;
        if (terms.ScalarHead) N += h;   // the score head is always trained
        long OptimizerPer(long n) => n * 8 + (o.Bf16 ? n * 4 : 0);

        // Sequences per micro-batch: chosen and rejected go through one forward for the pairwise methods.
        long S = (long)terms.SequencesPerExample * o.BatchSize;
        long T = o.SequenceLength, L = c.NumHiddenLayers, E = LayerActivationElements(c, o.SequenceLength);
        long perTokenLayers = o.GradientCheckpointing ? (L * h + E) * w : L * E * w;
        long logits = 2L * c.VocabSize * (w + 8);   // logits (compute dtype, float32) and log-probs, then their gradients
        long activations = S * T * (perTokenLayers + (terms.ScalarHead ? 0 : logits));

        string reference = "none";
        long referenceBytes = 0, rewardValue = 0;
        var use = terms.Reference == ReferenceUse.CachedLogProbs && o.LiveReference ? ReferenceUse.Live : terms.Reference;
        if (use == ReferenceUse.CachedLogProbs) reference = "cached log-probs";
        if (use == ReferenceUse.Live) (reference, referenceBytes) = lora ? ("adapter disabled", 0L) : ("frozen copy", P * w);
        if (terms.RewardAndValueModels)
        {
            long valueTrainable = (lora ? N : P) + h;
            rewardValue = (P + h) * w                                        // reward model, frozen
                        + (P + h) * w + valueTrainable * w + OptimizerPer(valueTrainable)   // value model, trained
                        + o.BatchSize * T * perTokenLayers;                  // value model's activations (no vocabulary logits)
        }
        return new MemoryPlan
        {
            Config = c, Options = o, Parameters = P, TrainableParameters = N,
            WeightsBytes = P * w, GradientsBytes = N * w, OptimizerBytes = OptimizerPer(N),
            Reference = reference, ReferenceBytes = referenceBytes, RewardValueBytes = rewardValue, ActivationsBytes = activations,
        };
    }

    /// <summary>
    /// Null when the run fits <paramref name="deviceBytes"/>; otherwise a refusal that says what is needed and which
    /// changes — LoRA, bf16, gradient checkpointing, a smaller batch, or combinations — would fit.
    /// </summary>
    public static string? Refusal(ModelConfig c, MemoryPlanOptions o, long deviceBytes, string modelName = "the model")
    {
        var plan = For(c, o);
        if (plan.Fits(deviceBytes)) return null;
        var sb = new StringBuilder(
            $"{o.Terms.Method} on {modelName} needs {GiB(plan.TotalBytes)} but the device has {GiB(deviceBytes)} " +
            $"(weights {GiB(plan.WeightsBytes)}, gradients {GiB(plan.GradientsBytes)}, optimizer {GiB(plan.OptimizerBytes)}, " +
            $"reference {GiB(plan.ReferenceBytes)}, reward/value {GiB(plan.RewardValueBytes)}, activations {GiB(plan.ActivationsBytes)}).");
        var fitting = Alternatives(c, o, deviceBytes).ToList();
        if (fitting.Count == 0) sb.Append(" Nothing fits, not even LoRA, bf16, gradient checkpointing and batch size 1 together.");
        else sb.Append(" Would fit: ").AppendJoin("; ", fitting.Select(a => $"{a.Flags} ({GiB(a.Plan.TotalBytes)}{a.Note})")).Append('.');
        return sb.ToString();
    }

    /// <summary>Throws <see cref="MemoryPlanException"/> with <see cref="Refusal"/>'s message when the run cannot fit.</summary>
    public static MemoryPlan EnsureFits(ModelConfig c, MemoryPlanOptions o, long deviceBytes, string modelName = "the model")
    {
        var message = Refusal(c, o, deviceBytes, modelName);
        return message is null ? For(c, o) : throw new MemoryPlanException(For(c, o), deviceBytes, message);
    }

    /// <summary>
    /// The smallest sets of changes (LoRA, bf16, checkpointing) that fit — a set is left out when one of its subsets
    /// already fits — then the largest batch size that fits as configured, else with every change applied.
    /// </summary>
    private static IEnumerable<(string Flags, MemoryPlan Plan, string Note)> Alternatives(ModelConfig c, MemoryPlanOptions o, long deviceBytes)
    {
        var changes = new List<(string Flag, Func<MemoryPlanOptions, MemoryPlanOptions> Apply)>();
        if (o.LoraRank is null) changes.Add(($"--lora-rank {LoraConfig.DefaultRank}", x => x with { LoraRank = LoraConfig.DefaultRank }));
        if (!o.Bf16) changes.Add(("--dtype bf16", x => x with { Bf16 = true }));
        if (!o.GradientCheckpointing) changes.Add(("--gradient-checkpointing", x => x with { GradientCheckpointing = true }));
        var fittingMasks = new List<int>();
        foreach (int mask in Enumerable.Range(1, (1 << changes.Count) - 1).OrderBy(m => System.Numerics.BitOperations.PopCount((uint)m)))
        {
            if (fittingMasks.Any(f => (f & mask) == f)) continue;
            var chosen = changes.Where((_, i) => (mask >> i & 1) == 1).ToList();
            var plan = For(c, chosen.Aggregate(o, (x, ch) => ch.Apply(x)));
            if (!plan.Fits(deviceBytes)) continue;
            fittingMasks.Add(mask);
            yield return (string.Join(" ", chosen.Select(ch => ch.Flag)), plan, "");
        }
        var everything = changes.Aggregate(o, (x, ch) => ch.Apply(x));
        foreach (var (prefix, options) in new[] { ("", o), (string.Concat(changes.Select(ch => ch.Flag + " ")), everything) })
        {
            if (prefix.Length > 0 && changes.Count == 0) break;
            var smaller = Enumerable.Range(1, o.BatchSize - 1).Reverse().Select(b => For(c, options with { BatchSize = b })).FirstOrDefault(p => p.Fits(deviceBytes));
            if (smaller is null) continue;
            yield return ($"{prefix}--batch-size {smaller.Options.BatchSize}", smaller, "");
            break;
        }
        // Shorter sequences, as configured otherwise: activations scale with the length, and most rows are far shorter
        // than a model's context (the longest length, halving from what a batch pads to, that fits; with the data
        // read, how many rows that limit would cut).
        for (int length = o.SequenceLength / 2; length >= 16; length /= 2)
        {
            var shorter = For(c, o with { MaxLength = length });
            if (!shorter.Fits(deviceBytes)) continue;
            var note = o.Data is { } d ? $", cuts {d.LongerThan(length)} of {d.Rows} rows" : "";
            yield return ($"--max-length {length}", shorter, note);
            break;
        }
    }

    public static string GiB(long bytes) => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB";
}

/// <summary>A training run refused before it starts because its memory plan does not fit the device.</summary>
public sealed class MemoryPlanException(MemoryPlan plan, long deviceBytes, string message) : ValueDriftException(message)
{
    public MemoryPlan Plan { get; } = plan;
    public long DeviceBytes { get; } = deviceBytes;
}
