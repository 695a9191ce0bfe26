using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>A recipe's stages are validated once: when it is read (Recipe.Validated, which Load ends with), not again when it runs.</summary>
public class RecipeValidationTests
{
    /// <summary>ORPO that counts how often a stage's check reaches its settings (<see cref="Stage.Validate"/> calls it once per check).</summary>
    private sealed record CountedOrpo : Algorithm
    {
        [JsonIgnore] public StrongBox<int> Validations { get; init; } = new();
        public override string Name => "counted-orpo";
        public override string Summary => "ORPO, counting its validations";
        public override TrainingData Data => TrainingData.Preferences;
        public override MemoryTerms? Memory => null;
        public override void Validate(string stage, TrainerOptions loop) => Interlocked.Increment(ref Validations.Value);
        public override ITrainingStep CreateStep(AlgorithmContext context) => new Orpo().CreateStep(context);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void AReproduceRunValidatesEachStageOnceAndACopyMadeWithWithIsValidatedByItsRun()
    {
        var validations = new StrongBox<int>();
        var recipe = new Recipe
        {
            BaseModel = StageFixtures.TinyModelFolder(),
            Sft = [new("chat", StageFixtures.Conversations())],
            // two preference sets: two stages of the counted algorithm, each from the SFT stage
            Preference = [new("pairs", StageFixtures.TextPairs()), new("more", StageFixtures.TextPairs())],
            Algorithms = [new CountedOrpo { Validations = validations }],
            SftTraining = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-3, Seed = 1 },
            PreferenceTraining = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-4, Seed = 1 },
            Probes = new RecipeProbes { File = StageFixtures.Probes(), Judge = "world", Generation = new() { Samples = 1, MaxNewTokens = 2 }, Every = 1 },
            MaxLength = 64,
        };

        // What reproduce does: Load checks the recipe (Validated), the CLI's --seeds keeps the check, the runner runs it.
        var read = recipe.Validated("recipe.jsonc").WithSeeds(2);
        Assert.Equal(2, validations.Value);
        var dir = Path.Combine(Fixtures.TempDir("recipe-validated-once"), "run");
        var result = RecipeRunner.Run(read, dir);
        Assert.Equal(2, validations.Value);   // neither seed run nor any stage validated them again
        string[] phases = ["base", "sft-chat", "counted-orpo-pairs-from-chat", "counted-orpo-more-from-chat"];
        Assert.All(result.SeedRuns, run => Assert.Equal(phases, Trajectory.FromTrace(run.TracePath).Phases));

        // A copy made with `with` may plan other stages: its run validates them, once per seed run (this one finds them done).
        var copy = read with { PreferenceStageName = Recipe.DefaultPreferenceStageName };
        var again = RecipeRunner.Run(copy, dir);
        Assert.All(again.SeedResults, r => Assert.All(r.Stages, s => Assert.True(s.AlreadyComplete)));
        Assert.Equal(2 + 2 * 2, validations.Value);
    }
}
