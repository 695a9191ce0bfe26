using System.Reflection;
using ValueDrift.Errors;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// The world's recipe, recipes/world.jsonc (embedded in the library): the one definition of the world experiment's
/// stages and of its default sizes. The demo, the notebooks' world sessions and <c>valuedrift reproduce --recipe
/// recipes/world.jsonc</c> all plan from it: <see cref="WorldExperimentOptions"/> takes its defaults from it and is
/// turned into a recipe by <see cref="For"/> (one direction only), so with default options the demo runs exactly this
/// recipe, through the same <see cref="RecipeRunner"/> as <c>reproduce</c>.
/// </summary>
public static class WorldRecipe
{
    /// <summary>The recipe's path in the repository, as error messages name it.</summary>
    public const string RepositoryPath = "recipes/world.jsonc";
    private const string ResourceName = "ValueDrift.recipes.world.jsonc";
    /// <summary>The label of the world's main PPO; the others (<see cref="KlLabel"/>) are its KL sweep.</summary>
    private const string MainPpo = "ppo";

    private static readonly Lazy<Recipe> ShippedRecipe = new(() =>
    {
        using var stream = typeof(WorldRecipe).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(WorldRecipe).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Recipe.ParseKeys(reader.ReadToEnd(), RepositoryPath);   // its plan is validated where it runs, at the run's sizes
    });

    /// <summary>recipes/world.jsonc as the library embeds it.</summary>
    public static Recipe Shipped => ShippedRecipe.Value;

    /// <summary>The label of a KL-sweep PPO (<c>ppo-kl0</c>, <c>ppo-kl0.2</c>), the start of its stage names.</summary>
    public static string KlLabel(double kl) => FormattableString.Invariant($"{KlLabelPrefix}{kl:0.###}");
    private const string KlLabelPrefix = "ppo-kl";

    /// <summary>Whether <paramref name="label"/> names one of the KL sweep's PPOs (<see cref="KlLabel"/>).</summary>
    private static bool IsKlSweep(string label) => label.StartsWith(KlLabelPrefix, StringComparison.Ordinal);

    /// <summary>The recipe's main PPO (labelled "ppo"), or null when it has none.</summary>
    public static Ppo? MainPpoOf(Recipe recipe) => recipe.Labelled<Ppo>(MainPpo);

    /// <summary>The KL coefficients of the recipe's KL-sweep PPOs (labelled <see cref="KlLabel"/>), in order.</summary>
    public static IReadOnlyList<double> KlSweep(Recipe recipe) =>
        recipe.Algorithms.Where(a => IsKlSweep(a.Label)).Select(a => recipe.Labelled<Ppo>(a.Label)?.Options.KlCoef
            ?? throw new ConfigException(RepositoryPath, "algorithms", $"'{a.Label}' is labelled as a PPO of the KL sweep but is {a.Algorithm.Name}")).ToList();

    /// <summary>
    /// The shipped recipe at the sizes of <paramref name="o"/>: SFT steps, batch and learning rate, the preference
    /// budget, the reward model, the KL sweep, probe schedule and sampling, and seeds (the world's, and the run's
    /// first training seed for every loop and the probe's sampling; <see cref="Recipe.ForSeed"/> gives the later seed
    /// runs theirs). Warm-ups stay capped at a tenth of a stage's steps; PPO's responses stay as long as the probe's
    /// answers. The options' world must be one of the world's sizes (<see cref="Sized"/>), which is all a recipe names.
    /// </summary>
    public static Recipe For(WorldExperimentOptions o)
    {
        var r = Shipped;
        var size = o.BaseModel == BaseModelRecipe.Quick ? WorldSize.Quick : WorldSize.Demo;
        var (world, baseModel) = Sized(size);
        if (o.World with { Topics = null, Seed = 0 } != world with { Topics = null, Seed = 0 } || o.BaseModel != baseModel)
            throw new ConfigException("world experiment", "world", $"the world's datasets and base model must be those of one of its sizes ({string.Join(", ", Enum.GetNames<WorldSize>())}): a recipe names a size, not single settings");
        var main = MainPpoOf(r) ?? throw new ConfigException(RepositoryPath, "algorithms", $"no algorithm labelled '{MainPpo}' to resize");
        var ppo = main with
        {
            RewardModelSteps = o.RewardModelSteps, RewardModelLearningRate = o.RewardModelLearningRate, RewardModelBatchSize = o.Budget.BatchSize,
            Options = main.Options with { ResponseLength = o.ProbeMaxNewTokens },
        };
        var algorithms = r.Algorithms.Where(a => !IsKlSweep(a.Label))
            .Select(a => a.Label == MainPpo ? new RecipeAlgorithm(ppo) : a)
            .Concat(o.PpoKlSweep.Select(kl => new RecipeAlgorithm(ppo with { Options = ppo.Options with { KlCoef = kl } }, KlLabel(kl))))
            .ToList();
        return r with
        {
            World = r.World! with
            {
                Seed = (int)o.Seed, Topics = o.World.Topics, Size = size,
                ProbeQuestionsPerTopic = o.ProbeQuestionsPerTopic, LikelihoodProbe = o.LikelihoodProbe,
            },
            Algorithms = algorithms,
            SftTraining = r.SftTraining with
            {
                MaxSteps = o.SftSteps, BatchSize = o.BatchSize, LearningRate = o.SftLearningRate,
                WarmupSteps = Math.Min(r.SftTraining.WarmupSteps, o.SftSteps / 10), Seed = o.Seed,
            },
            PreferenceTraining = r.PreferenceTraining with { Seed = o.Seed },
            Budget = o.Budget,
            Seeds = o.Seeds,
            Probes = r.Probes with
            {
                Every = o.ProbeEvery,
                Generation = r.Probes.Generation with { Samples = o.ProbeSamples, MaxNewTokens = o.ProbeMaxNewTokens, Seed = o.Seed },
            },
        };
    }

    /// <summary>
    /// The world a world recipe declares, seeded: the datasets' sizes and the base model's recipe of its size
    /// (<see cref="WorldSize"/>), its topics and its seed. What a world run writes, pretrains and probes.
    /// </summary>
    public static (WorldOptions World, BaseModelRecipe BaseModel) WorldOf(Recipe r)
    {
        var w = r.World ?? throw new ConfigException("recipe", "world", "not a world recipe (it names a base_model)");
        var (world, baseModel) = Sized(w.Size);
        return (world with { Topics = w.Topics, Seed = w.Seed }, baseModel);
    }

    /// <summary>The datasets' sizes and the base model of one of the world's sizes.</summary>
    public static (WorldOptions World, BaseModelRecipe BaseModel) Sized(WorldSize size) =>
        size == WorldSize.Quick ? (WorldOptions.Quick, BaseModelRecipe.Quick) : (WorldOptions.Demo, BaseModelRecipe.Default);

    /// <summary>The source that runs a world recipe (<see cref="RecipeRunner.Run"/>, <see cref="SweepRunner"/>): datasets, base model (cached in <paramref name="cacheRoot"/>; null: $VALUEDRIFT_CACHE or ~/.cache/valuedrift) and probes.</summary>
    public static WorldRecipeSource Source(string? cacheRoot = null) => new(cacheRoot);

    /// <summary>The source of any recipe: the world's for a world recipe, else the recipe's files.</summary>
    public static IRecipeSource SourceFor(Recipe recipe, string? cacheRoot = null) => recipe.World is null ? FileRecipeSource.Instance : Source(cacheRoot);

    /// <summary>The training seed of seed run <paramref name="index"/> of the recipe: its SFT loop's seed, as config.json records it.</summary>
    public static long TrainingSeed(Recipe r, int index) => r.ForSeed(index).SftTraining.Seed;
}
