using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// A post-training method and its hyperparameters: <see cref="Sft"/>, <see cref="Dpo"/>, <see cref="SimPo"/>,
/// <see cref="Reward"/>, <see cref="Ppo"/>. The extension point: each record owns its defaults (written once, with
/// their published source), every fact about its method that the rest of the library needs (the data it reads, its
/// memory terms, its published learning rate, its command-line options, ...), and builds the
/// <see cref="ITrainingStep"/> the one <see cref="TrainingLoop"/> drives. A new method is one new record deriving
/// from this (found by <see cref="AlgorithmRegistry"/>); nothing else switches on the method
/// (docs/architecture.md, "How to add an algorithm").
/// </summary>
public abstract record Algorithm
{
    /// <summary>Short name used in metrics, checkpoints, folders and <c>valuedrift train NAME</c>: "sft", "dpo", ...</summary>
    [JsonIgnore]
    public abstract string Name { get; }

    /// <summary>One line for <c>valuedrift train --help</c>.</summary>
    [JsonIgnore]
    public abstract string Summary { get; }

    /// <summary>What the stage's data file holds for this method.</summary>
    [JsonIgnore]
    public abstract TrainingData Data { get; }

    /// <summary>What the method adds to a step's memory (<see cref="MemoryPlan"/>); null: no formula (the plan is skipped).</summary>
    [JsonIgnore]
    public abstract MemoryTerms? Memory { get; }

    /// <summary>
    /// The learning rate the method's authors published (for 7–8B models), with its source in the override; null for
    /// methods without one. A preference budget trains every method at this rate times one common factor.
    /// </summary>
    [JsonIgnore]
    public virtual double? PublishedLearningRate => null;

    /// <summary>Optimizer updates one loop step makes (PPO: epochs × mini-batches over each rollout).</summary>
    [JsonIgnore]
    public virtual int UpdatesPerStep => 1;

    /// <summary>Whether a loop step accumulates gradients over micro-batches (PPO splits its rollout into mini-batches instead).</summary>
    [JsonIgnore]
    public virtual bool AccumulatesGradients => true;

    /// <summary>Whether per-example attribution (TracIn over a stage's checkpoints) can read its stages: a gradient step over fixed examples.</summary>
    [JsonIgnore]
    public virtual bool SupportsAttribution => true;

    /// <summary>
    /// Place in the paper's comparison of preference methods (Bhatia et al. 2025: DPO, SimPO, PPO, in the order its
    /// value-gap finding ranks them), which the world report and figures check; null: not in that comparison.
    /// </summary>
    [JsonIgnore]
    public virtual int? PaperComparisonOrder => null;

    /// <summary>The method's options of <c>valuedrift train NAME</c>, each mapped onto one of its settings.</summary>
    [JsonIgnore]
    public virtual IReadOnlyList<AlgorithmOption> CommandLine => [];

    /// <summary>
    /// The method's loss per pair from scored pairs (<c>valuedrift rewards</c> prints it as
    /// NAME_loss), for methods defined by one; null otherwise.
    /// </summary>
    [JsonIgnore]
    public virtual Func<ScoredPairs, Tensor>? PairLoss => null;

    /// <summary>
    /// Whether the stage first trains a helper model from its start checkpoint and data (PPO's reward model when none
    /// is given), which stages with the same start and data can share through <see cref="WithModelCache"/>.
    /// </summary>
    [JsonIgnore]
    public virtual bool TrainsHelperModel => false;

    /// <summary>This algorithm with its helper models cached under <paramref name="root"/> (PPO's reward model), or itself.</summary>
    public virtual Algorithm WithModelCache(string root) => this;

    /// <summary>The method's name as papers and reports write it ("DPO", "SimPO").</summary>
    [JsonIgnore]
    public virtual string Title => Name.ToUpperInvariant();

    /// <summary>
    /// Reads and tokenizes the stage's data as this method will train on it, returning its row count: preflight runs it
    /// for every stage before any work, so a bad file fails in seconds. Bad rows are typed errors naming file and row.
    /// Returns each example's length as a batch pads it, which sizes the stage's memory plan; the rows stay in
    /// <paramref name="inputs"/> for <see cref="CreateStep"/>, so the file is tokenised once.
    /// </summary>
    public virtual SequenceLengths ReadRows(Data.StageInputs inputs, string dataPath) =>
        Data == TrainingData.Conversations
            ? new(inputs.Conversations(dataPath).Select(e => e.Length))
            : new(inputs.Preferences(dataPath).Select(p => p.PromptIds.Length + Math.Max(p.ChosenIds.Length, p.RejectedIds.Length)));

    /// <summary>Refuses invalid settings before any work, naming the option (<c>dpo.beta</c>, ...).</summary>
    public virtual void Validate(string stage, TrainerOptions loop) { }

    /// <summary>Loads the models the method needs from the context's start checkpoint and reads its data into one training step (which owns and disposes those models).</summary>
    public abstract ITrainingStep CreateStep(AlgorithmContext context);

    /// <summary>Model folders besides the start checkpoint that the result depends on (a frozen reference, a reward model), by role.</summary>
    public virtual IEnumerable<(string Role, string Path)> ModelInputs() => [];

    /// <summary>The method and every setting as JSON (<c>{"name": "dpo", "beta": 0.1, "reference": null}</c>), as stage.json records it.</summary>
    public JsonObject Describe()
    {
        var settings = JsonSerializer.SerializeToNode(this, GetType(), SnakeCaseJson.Options)!.AsObject();
        var result = new JsonObject { ["name"] = Name };
        foreach (var (k, v) in settings.ToList())
        {
            settings.Remove(k);
            result[k] = v;
        }
        return result;
    }

    /// <summary>
    /// This algorithm with some settings changed, each named by its path in <see cref="Describe"/>'s JSON
    /// (<c>beta</c>, <c>options.kl_coef</c>): how the command line sets options without knowing the record.
    /// </summary>
    public Algorithm WithSettings(IEnumerable<(string Setting, JsonNode? Value)> changes)
    {
        var node = Describe();
        node.Remove("name");
        foreach (var (setting, value) in changes)
        {
            var parts = setting.Split('.');
            var parent = node;
            foreach (var part in parts[..^1])
                parent = parent[part] as JsonObject ?? throw new ConfigException(Name, setting, $"'{part}' is not a group of settings");
            parent[parts[^1]] = value?.DeepClone();
        }
        return AlgorithmRegistry.Read(Name, node, SnakeCaseJson.Options);
    }

    /// <summary>The CLR type of a setting named by its JSON path (<c>options.kl_coef</c> → double).</summary>
    public Type SettingType(string setting)
    {
        var type = GetType();
        foreach (var part in setting.Split('.'))
        {
            var property = type.GetProperties().FirstOrDefault(p => SnakeCaseJson.Name(p.Name) == part && p.CanWrite)
                ?? throw new ConfigException(Name, setting, $"{type.Name} has no setting '{part}'");
            type = property.PropertyType;
        }
        return type;
    }

    /// <summary>A <see cref="ConfigException"/> naming the stage and the option (<c>dpo.beta</c>) unless <paramref name="ok"/>.</summary>
    protected void Require(bool ok, string stage, string option, string problem)
    {
        if (!ok) throw new ConfigException($"stage '{stage}'", $"{Name}.{option}", problem);
    }
}
