using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ValueDrift.Errors;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// A post-training method and its hyperparameters: <see cref="Sft"/>, <see cref="Dpo"/>, <see cref="SimPo"/>,
/// <see cref="Reward"/>, <see cref="Ppo"/>. Each record owns its defaults (written once, with their published source)
/// and builds the <see cref="ITrainingStep"/> the one <see cref="TrainingLoop"/> drives. A new method is one new
/// record deriving from this; nothing else switches on the method.
/// </summary>
public abstract record Algorithm
{
    /// <summary>Short name used in metrics, checkpoints and folders: "sft", "dpo", "simpo", "reward", "ppo".</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>Refuses invalid settings before any work, naming the option (<c>dpo.beta</c>, ...).</summary>
    public virtual void Validate(string stage, TrainerOptions loop) { }

    /// <summary>Loads the models the method needs from the context's start checkpoint and reads its data into one training step (which owns and disposes those models).</summary>
    public abstract ITrainingStep CreateStep(AlgorithmContext context);

    /// <summary>Model folders besides the start checkpoint that the result depends on (a frozen reference, a reward model), by role.</summary>
    public virtual IEnumerable<(string Role, string Path)> ModelInputs() => [];

    /// <summary>The method and every setting as JSON (<c>{"name": "dpo", "beta": 0.1, "reference": null}</c>), as stage.json records it.</summary>
    public JsonObject Describe()
    {
        var settings = JsonSerializer.SerializeToNode(this, GetType(), JsonOptions)!.AsObject();
        var result = new JsonObject { ["name"] = Name };
        foreach (var (k, v) in settings.ToList())
        {
            settings.Remove(k);
            result[k] = v;
        }
        return result;
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A <see cref="ConfigException"/> naming the stage and the option (<c>dpo.beta</c>) unless <paramref name="ok"/>.</summary>
    protected void Require(bool ok, string stage, string option, string problem)
    {
        if (!ok) throw new ConfigException($"stage '{stage}'", $"{Name}.{option}", problem);
    }
}
