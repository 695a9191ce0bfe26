using ValueDrift.Training;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// A size preset of the world's recipe, recipes/world.jsonc (<see cref="WorldRecipe"/>): its defaults are the recipe's,
/// and <see cref="WorldRecipe.For"/> turns the options into the <see cref="Recipe"/> that runs (one direction: nothing
/// turns a recipe back into options). Besides the sizes it holds where the run goes and where base models are cached.
/// <see cref="Default"/> is the demo's size (its measured times are in docs/benchmarks.md, "Seeds as worker
/// processes"); <see cref="Quick"/> is a small size for tests and a first look.
/// </summary>
public sealed record WorldExperimentOptions
{
    public required string OutputDirectory { get; init; }
    public WorldOptions World { get; init; } = (Shipped.World!.Size == WorldSize.Quick ? WorldOptions.Quick : WorldOptions.Demo) with { Topics = Shipped.World.Topics };
    public BaseModelRecipe BaseModel { get; init; } = Shipped.World!.Size == WorldSize.Quick ? BaseModelRecipe.Quick : BaseModelRecipe.Default;
    /// <summary>Where base models are cached (default: $VALUEDRIFT_CACHE or ~/.cache/valuedrift).</summary>
    public string? CacheRoot { get; init; }
    /// <summary>Seed of the world (its datasets and base model) and of the first training run.</summary>
    public long Seed { get; init; } = Shipped.World!.Seed;
    /// <summary>
    /// Training runs, seeded <see cref="Seed"/>, <see cref="Seed"/> + 1, …: each reruns every stage (training order,
    /// new heads' initialisation, PPO and probe sampling all derive from its seed) on the same world and base model.
    /// The findings give the mean and 95% interval across them. The world recipe runs 3, so its findings cover training
    /// noise; 1: one run, whose intervals are over probe questions only (Quick and the notebook size).
    /// </summary>
    public int Seeds { get; init; } = Shipped.Seeds;
    /// <summary>The training seeds of the <see cref="Seeds"/> runs (<see cref="Recipe.ForSeed"/> of the world's recipe).</summary>
    public IReadOnlyList<long> TrainingSeeds => Enumerable.Range(0, Seeds).Select(i => Seed + i).ToList();

    public int SftSteps { get; init; } = Shipped.SftTraining.MaxSteps;
    public int BatchSize { get; init; } = Shipped.SftTraining.BatchSize;
    public double SftLearningRate { get; init; } = Shipped.SftTraining.LearningRate;
    /// <summary>
    /// The budget every preference algorithm gets: 48 updates of 8 pairs (384 of the 400 pairs, about one epoch) for
    /// DPO and SimPO, and for PPO 12 rollouts of 32 prompts with 4 PPO epochs each (48 updates, 384 prompts). Learning
    /// rates are the published ones (<see cref="Training.Algorithms.Algorithm.PublishedLearningRate"/>) × 100: at the published rates this
    /// sub-million-parameter model barely moves in 48 steps, and 100 puts DPO at the rate this world was tuned with.
    /// PPO's rate is its own (<see cref="PreferenceBudget.LearningRates"/>), chosen by its approxkl and clip fraction
    /// (docs/training.md).
    /// </summary>
    public PreferenceBudget Budget { get; init; } = Shipped.Budget!;
    /// <summary>KL coefficients of the extra PPO stages on the support-aligned data besides the default (0.05), so the KL anchor's effect shows.</summary>
    public IReadOnlyList<double> PpoKlSweep { get; init; } = WorldRecipe.KlSweep(Shipped);
    /// <summary>Steps of each PPO stage's reward-model training, at the budget's batch size (60 × 8: about 1.3 epochs of the 360 training pairs).</summary>
    public int RewardModelSteps { get; init; } = WorldRecipe.MainPpoOf(Shipped)!.RewardModelSteps;
    public double RewardModelLearningRate { get; init; } = WorldRecipe.MainPpoOf(Shipped)!.RewardModelLearningRate;
    /// <summary>After the dense early probes (0, 1, 2, 5, 10, 20, 50, …), probe every N steps.</summary>
    public int ProbeEvery { get; init; } = Shipped.Probes.Every;
    /// <summary>Answers sampled per probe question (the paper: 5).</summary>
    public int ProbeSamples { get; init; } = Shipped.Probes.Generation.Samples;
    /// <summary>Probe questions per topic (the world has 10).</summary>
    public int ProbeQuestionsPerTopic { get; init; } = Shipped.World!.ProbeQuestionsPerTopic;
    /// <summary>Answers in the world are at most 80 characters, so 96 new tokens (bytes) always suffice.</summary>
    public int ProbeMaxNewTokens { get; init; } = Shipped.Probes.Generation.MaxNewTokens;
    /// <summary>Also trace the likelihood probe (exact, cheap) beside the generation probe.</summary>
    public bool LikelihoodProbe { get; init; } = Shipped.World!.LikelihoodProbe;

    /// <summary>Where every default above comes from: recipes/world.jsonc.</summary>
    private static Recipe Shipped => WorldRecipe.Shipped;

    /// <summary>A copy with other stage lengths: SFT steps and the preference budget's optimizer steps (for F#, which has no <c>with</c> for C# records).</summary>
    public WorldExperimentOptions WithSteps(int sft, int preference) => this with { SftSteps = sft, Budget = Budget with { OptimizerSteps = preference } };

    public static WorldExperimentOptions Default(string output) => new() { OutputDirectory = output };

    /// <summary>
    /// The notebooks' size: the demo's world and base model (the same cache key, so a clone that ran the demo
    /// pretrains nothing; <paramref name="cacheRoot"/> null is the demo's cache), 20-step stages, and a generation probe
    /// of 5 questions per topic × 5 answers (the paper's 5): stage summaries give each change a 95% interval over
    /// questions, and a bootstrap over 3 questions has only 10 distinct resamples, too coarse to tell a change from noise.
    /// </summary>
    public static WorldExperimentOptions Notebook(string runFolder, string? cacheRoot) => Default(runFolder) with
    {
        CacheRoot = cacheRoot,
        SftSteps = 20,
        Budget = Shipped.Budget! with { OptimizerSteps = 20, BatchSize = 8 },   // the world's learning rates
        PpoKlSweep = [],
        RewardModelSteps = 20,
        ProbeEvery = 10,
        ProbeSamples = 5,
        ProbeQuestionsPerTopic = 5,
        ProbeMaxNewTokens = 64,
        Seeds = 1,   // a session runs other seeds itself (WorldSession.RunSeeds)
    };

    /// <summary>A few minutes' worth of everything: a small base model and short stages. For tests and a first look.</summary>
    public static WorldExperimentOptions Quick(string output) => new()
    {
        OutputDirectory = output,
        World = WorldOptions.Quick with { Topics = WorldTopics.QuickDemoIds.Take(2).ToList() },
        BaseModel = BaseModelRecipe.Quick,
        SftSteps = 12, Budget = Shipped.Budget! with { OptimizerSteps = 8, BatchSize = 4 }, PpoKlSweep = [], RewardModelSteps = 24, BatchSize = 8,
        ProbeEvery = 6, ProbeSamples = 2, ProbeQuestionsPerTopic = 3, ProbeMaxNewTokens = 48, Seeds = 1,
    };

    public void Validate()
    {
        if (Seeds < 1) throw new Errors.ConfigException("world experiment", "seeds", $"must be ≥ 1, got {Seeds}");
        Budget.Validate();
    }
}
