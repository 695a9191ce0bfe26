using ValueDrift.Errors;

namespace ValueDrift.Models;

/// <summary>
/// A LoRA adapter's shape, as PEFT's <c>LoraConfig</c>: rank r, scale alpha/r (alpha/√r with rsLoRA), dropout on the
/// adapter's input, and the decoder projections it attaches to. The defaults are PEFT's (r 8, lora_alpha 8,
/// lora_dropout 0, q_proj and v_proj for Llama and Qwen).
/// </summary>
public sealed record LoraConfig
{
    public const int DefaultRank = 8;
    public const double DefaultAlpha = 8;
    public const double DefaultDropout = 0.0;
    public static readonly IReadOnlyList<string> DefaultTargets = ["q_proj", "v_proj"];

    /// <summary>Every projection of a decoder layer an adapter can attach to.</summary>
    public static readonly IReadOnlyList<string> KnownTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public int Rank { get; init; } = DefaultRank;
    public double Alpha { get; init; } = DefaultAlpha;
    public double Dropout { get; init; } = DefaultDropout;
    public IReadOnlyList<string> Targets { get; init; } = DefaultTargets;
    /// <summary>rsLoRA scaling (alpha/√r); PEFT's <c>use_rslora</c>.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>The factor on B·A.</summary>
    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>Throws a <see cref="ConfigException"/> naming <paramref name="source"/> (a file or a command-line option set) and the bad field.</summary>
    public LoraConfig Validated(string source = "LoRA options")
    {
        if (Rank <= 0) throw new ConfigException(source, "r", $"LoRA rank must be a positive integer, got {Rank}");
        if (!(Alpha > 0) || !double.IsFinite(Alpha)) throw new ConfigException(source, "lora_alpha", $"must be a positive number, got {Alpha}");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ConfigException(source, "lora_dropout", $"must lie in [0, 1), got {Dropout}");
        if (Targets.Count == 0) throw new ConfigException(source, "target_modules", "names no module");
        foreach (var t in Targets)
            if (!KnownTargets.Contains(t))
                throw new ConfigException(source, "target_modules", $"unknown target module '{t}' (known: {string.Join(", ", KnownTargets)})");
        if (Targets.Distinct().Count() != Targets.Count) throw new ConfigException(source, "target_modules", "names a module twice");
        return this;
    }

    /// <summary>Parses a comma-separated target list such as <c>q_proj,v_proj</c>.</summary>
    public static IReadOnlyList<string> ParseTargets(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Trainable parameters of one adapter on <paramref name="c"/>: r·(in + out) per targeted projection per layer.</summary>
    public long ParameterCount(ModelConfig c) =>
        (long)c.NumHiddenLayers * Targets.Sum(t => { var (i, o) = Shape(c, t); return (long)Rank * (i + o); });

    /// <summary>(in_features, out_features) of a target projection.</summary>
    public static (long In, long Out) Shape(ModelConfig c, string target)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, m = c.IntermediateSize;
        return target switch
        {
            "q_proj" => (h, q), "k_proj" or "v_proj" => (h, kv), "o_proj" => (q, h),
            "gate_proj" or "up_proj" => (h, m), "down_proj" => (m, h),
            _ => throw new ConfigException("LoRA options", "target_modules", $"unknown target module '{target}' (known: {string.Join(", ", KnownTargets)})"),
        };
    }
}
