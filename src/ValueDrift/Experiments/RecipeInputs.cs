using ValueDrift.Probes;

namespace ValueDrift.Experiments;

/// <summary>
/// What a recipe's stages read, as its <see cref="IRecipeSource"/> prepared it: the base model folder, the file each
/// data entry names, and the probes each run folder's traces are written by. Disposing closes what the probes hold
/// (a judge's model or connection).
/// </summary>
public abstract class RecipeInputs : IDisposable
{
    /// <summary>The base model's folder, where every stage chain starts.</summary>
    public abstract string BaseModel { get; }

    /// <summary>The file a recipe's data entry names (a world dataset's name: its file in the run's data folder).</summary>
    public abstract string DataPath(string entry);

    /// <summary>The probes, sampling with <paramref name="generation"/>, each with its trace in <paramref name="run"/>.</summary>
    public abstract IReadOnlyList<TracedProbe> Probes(GenerationProbeOptions generation, RunDirectory run);

    /// <summary>What the probes ask, for the run's first log line ("40 world probe questions").</summary>
    public abstract string Describe(GenerationProbeOptions generation);

    /// <summary>Held-out answers of known stance for PPO's reward-model audit (reward-audit.json); null: no audit.</summary>
    public virtual RewardAuditSource? RewardAudit => null;

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
