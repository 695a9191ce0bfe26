using System.Reflection;
using ValueDrift.Errors;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>
/// The world's recipe, recipes/world.jsonc (embedded in the library): the one definition of the world experiment's
/// stages and of its default sizes. The demo, the notebooks' world sessions and <c>valuedrift reproduce --recipe
/// recipes/world.jsonc</c> all plan from it: <see cref="WorldExperimentOptions"/> takes its defaults from it
/// (<see cref="Options"/>) and resizes it (<see cref="For"/>), so with default options the demo runs exactly this
/// recipe.
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
        return Recipe.Parse(reader.ReadToEnd(), RepositoryPath);
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
    /// training seed for every loop and the probe's sampling). Warm-ups stay capped at a tenth of a stage's steps;
    /// PPO's responses stay as long as the probe's answers.
    /// </summary>
    public static Recipe For(WorldExperimentOptions o)
    {
        var r = Shipped;
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
                Seed = (int)o.Seed, Topics = o.World.Topics, Size = o.BaseModel == BaseModelRecipe.Quick ? WorldSize.Quick : WorldSize.Demo,
                ProbeQuestionsPerTopic = o.ProbeQuestionsPerTopic, LikelihoodProbe = o.LikelihoodProbe,
            },
            Algorithms = algorithms,
            SftTraining = r.SftTraining with
            {
                MaxSteps = o.SftSteps, BatchSize = o.BatchSize, LearningRate = o.SftLearningRate,
                WarmupSteps = Math.Min(r.SftTraining.WarmupSteps, o.SftSteps / 10), Seed = o.TrainingSeed,
            },
            PreferenceTraining = r.PreferenceTraining with { Seed = o.TrainingSeed },
            Budget = o.Budget,
            Seeds = o.Seeds,
            Probes = r.Probes with
            {
                Every = o.ProbeEvery,
                Generation = r.Probes.Generation with { Samples = o.ProbeSamples, MaxNewTokens = o.ProbeMaxNewTokens, Seed = o.TrainingSeed },
            },
        };
    }

    /// <summary>
    /// The world experiment's options that a world recipe declares (the reverse of <see cref="For"/>): what
    /// <see cref="WorldExperiment.Prepare"/> needs to write the world's datasets, get its base model and build its
    /// probes, and what config.json records.
    /// </summary>
    public static WorldExperimentOptions Options(Recipe r, string outputDirectory)
    {
        var w = r.World ?? throw new ConfigException("recipe", "world", "not a world recipe (it names a base_model)");
        var ppo = MainPpoOf(r);
        var o = new WorldExperimentOptions
        {
            OutputDirectory = outputDirectory,
            World = (w.Size == WorldSize.Quick ? WorldOptions.Quick : WorldOptions.Demo) with { Topics = w.Topics },
            BaseModel = w.Size == WorldSize.Quick ? BaseModelRecipe.Quick : BaseModelRecipe.Default,
            Seed = w.Seed, RunSeed = r.SftTraining.Seed == w.Seed ? null : r.SftTraining.Seed, Seeds = r.Seeds,
            SftSteps = r.SftTraining.MaxSteps, BatchSize = r.SftTraining.BatchSize, SftLearningRate = r.SftTraining.LearningRate,
            PpoKlSweep = KlSweep(r),
            ProbeEvery = r.Probes.Every, ProbeSamples = r.Probes.Generation.Samples, ProbeMaxNewTokens = r.Probes.Generation.MaxNewTokens,
            ProbeQuestionsPerTopic = w.ProbeQuestionsPerTopic, LikelihoodProbe = w.LikelihoodProbe,
        };
        if (r.Budget is { } budget) o = o with { Budget = budget };
        if (ppo is not null) o = o with { RewardModelSteps = ppo.RewardModelSteps, RewardModelLearningRate = ppo.RewardModelLearningRate };
        return o;
    }
}
