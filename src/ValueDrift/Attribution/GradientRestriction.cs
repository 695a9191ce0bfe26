using TorchSharp.Modules;
using ValueDrift.Errors;
using ValueDrift.Models;

namespace ValueDrift.Attribution;

/// <summary>
/// Which parameters attribution takes gradients of: the last <see cref="LastLayers"/> decoder layers, the final norm
/// and the output head (with tied word embeddings the head is the embedding matrix, model.embed_tokens.weight). Near
/// the output is where per-example gradients differ most and backward is cheapest: the rest of the model is frozen
/// for the backward pass, so it stops at the first restricted layer. <see cref="All"/> takes every parameter.
/// </summary>
public sealed record GradientRestriction(int LastLayers, bool AllParameters = false)
{
    /// <summary>The default: final norm + head + the last decoder layer.</summary>
    public static GradientRestriction Default => new(1);
    public static GradientRestriction All => new(0, AllParameters: true);

    /// <summary>The restricted parameters of <paramref name="model"/> by name, in the model's order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Select(CausalLM model)
    {
        if (!AllParameters && LastLayers < 0) throw new ConfigException("attribution", "last_layers", $"must be ≥ 0, got {LastLayers}");
        int first = model.LayerCount - Math.Min(LastLayers, model.LayerCount);
        bool Keep(string name)
        {
            if (AllParameters) return true;
            if (name.StartsWith("model.norm.", StringComparison.Ordinal) || name.StartsWith("lm_head.", StringComparison.Ordinal)) return true;
            if (name.StartsWith("model.embed_tokens.", StringComparison.Ordinal)) return model.Config.TieWordEmbeddings;   // the head itself
            const string layers = "model.layers.";
            if (!name.StartsWith(layers, StringComparison.Ordinal)) return false;
            var index = name[layers.Length..].Split('.')[0];
            return int.TryParse(index, out int i) && i >= first;
        }
        return model.named_parameters().Where(p => Keep(p.name)).Select(p => (p.name, p.parameter)).ToList();
    }

    /// <summary>A short key for cache file names ("last1", "all").</summary>
    public string Key => AllParameters ? "all" : $"last{LastLayers}";

    /// <summary>What is restricted, in words, for the output.</summary>
    public string Describe(CausalLM model)
    {
        var selected = Select(model);
        long n = selected.Sum(p => p.Parameter.numel());
        if (AllParameters) return $"all parameters ({n:N0})";
        int first = model.LayerCount - Math.Min(LastLayers, model.LayerCount);
        var layers = LastLayers == 0 ? "no decoder layer" : LastLayers == 1 ? $"decoder layer {first}" : $"decoder layers {first}–{model.LayerCount - 1}";
        var head = model.Config.TieWordEmbeddings ? "lm_head (tied to embed_tokens)" : "lm_head";
        return $"final norm + {head} + {layers} ({n:N0} parameters)";
    }

    /// <summary>
    /// Makes only the restricted parameters require gradients until disposed (then restores each flag), so backward
    /// computes nothing else.
    /// </summary>
    public IDisposable Focus(CausalLM model)
    {
        var keep = Select(model).Select(p => p.Parameter).ToHashSet(ReferenceEqualityComparer.Instance);
        var saved = model.named_parameters().Select(p => (p.parameter, p.parameter.requires_grad)).ToList();
        foreach (var (p, _) in saved) p.requires_grad = keep.Contains(p);
        return new Restore(saved);
    }

    private sealed class Restore(List<(Parameter P, bool Flag)> saved) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (p, flag) in saved) p.requires_grad = flag;
            saved.Clear();
        }
    }
}
