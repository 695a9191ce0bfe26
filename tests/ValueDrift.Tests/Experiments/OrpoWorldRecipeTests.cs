using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Tests.Cli;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>ORPO joins a world recipe and a sweep by its name alone: planned under the recipe's budget, swept by its record's settings, run end to end.</summary>
public class OrpoWorldRecipeTests
{
    /// <summary>recipes/world.jsonc with ORPO among its algorithms and on its standard set (the support-aligned set runs every algorithm).</summary>
    private static string WorldRecipeWithOrpo()
    {
        var text = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "recipes", "world.jsonc"));
        var withOrpo = text
            .Replace("{ \"name\": \"dpo\" },", "{ \"name\": \"dpo\" },\n    { \"name\": \"orpo\" },")
            .Replace("\"from\": [\"supportive\"], \"algorithms\": [\"dpo\", \"simpo\", \"ppo\"] },\n    { \"name\": \"support-aligned\"",
                     "\"from\": [\"supportive\"], \"algorithms\": [\"dpo\", \"simpo\", \"ppo\", \"orpo\"] },\n    { \"name\": \"support-aligned\"");
        Assert.Equal(2, withOrpo.Split("orpo").Length - 1);   // both edits applied
        return withOrpo;
    }

    [Fact]
    [Trait("tier", "fast")]
    public void AWorldRecipeWithOrpoPlansItsStagesUnderTheBudgetAndASweepAddressesItsSettings()
    {
        var path = Path.Combine(Fixtures.TempDir("orpo-world-recipe"), "world-orpo.jsonc");
        File.WriteAllText(path, WorldRecipeWithOrpo());
        var recipe = Recipe.Load(path);
        var plan = recipe.Plan(d => d, "base");

        var orpo = plan.Stages.Where(s => s.Stage.Algorithm is Orpo).ToList();
        Assert.Equal(["orpo-standard", "orpo-support-aligned"], orpo.Select(s => s.Stage.Name));
        Assert.All(orpo, s => Assert.Equal("sft-supportive", s.From));
        // The world's budget: 48 updates of 8 pairs, at ORPO's published rate (8e-6, TRL's ORPO example) × the recipe's factor 100.
        var loop = orpo[0].Stage.Training;
        Assert.Equal((48, 8, 1), (loop.MaxSteps, loop.BatchSize, loop.GradientAccumulation));
        Assert.Equal(8e-6 * 100, loop.LearningRate, 15);
        Assert.Equal(0.1, ((Orpo)orpo[0].Stage.Algorithm).Lambda);
        Assert.Equal(20, orpo[0].Stage.ProbeEvery);

        // A grid over the record's λ and a loop option: variants of the ORPO stages only, from the one SFT checkpoint.
        var sweep = Sweep.Parse("orpo.lambda=0.05,0.2;orpo.learning_rate=1e-4", seeds: 2).Expand(recipe, plan);
        Assert.Equal(["sft-supportive"], sweep.Start.Stages.Select(s => s.Stage.Name));
        Assert.Equal(2 * 2 * 2, sweep.Points.Count);
        Assert.All(sweep.Points, p => Assert.Equal("orpo", p.Label));
        var point = sweep.Points.Single(p => p.Name == "orpo-support-aligned@lambda=0.2,lr=1e-4#s2");
        Assert.Equal(0.2, Assert.IsType<Orpo>(point.Stage.Algorithm).Lambda);
        Assert.Equal(1e-4, point.Stage.Training.LearningRate);
        Assert.Equal(orpo[1].Stage.Training.Seed + 1, point.Stage.Training.Seed);
        Assert.Equal(48, point.Stage.Training.MaxSteps);   // only the swept settings change
        // the record's own validation refuses a λ it would refuse in a stage
        var e = Assert.Throws<ConfigException>(() => Sweep.Parse("orpo.lambda=0", 1).Expand(recipe, plan));
        Assert.Contains("lambda", e.Message);

        // The recipe's own "sweep" key over λ is read, checked and written back.
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text[..text.LastIndexOf('}')] + ", \"sweep\": {\"grid\": {\"orpo.lambda\": [0.05, 0.5]}, \"seeds\": 2}}");
        var swept = Recipe.Load(path);
        Assert.Equal("orpo.lambda=0.05,0.5", swept.Sweep!.GridText);
        File.WriteAllText(path, swept.ToJson());
        Assert.Equal(swept.ToJson(), Recipe.Load(path).ToJson());
    }

    /// <summary>The tiny world with ORPO (λ 0.2).</summary>
    private static readonly string TinyOrpoWorldRecipe = TinyWorldRecipe.With("""[ { "name": "orpo", "lambda": 0.2 } ]""", likelihoodProbe: true);

    [Fact]
    public void OrpoRunsInAWorldRecipeThroughReproduceAndThroughASweep()
    {
        var dir = Fixtures.TempDir("orpo-world-run");
        var recipe = Path.Combine(dir, "orpo.jsonc");
        File.WriteAllText(recipe, TinyOrpoWorldRecipe);
        var cache = Path.Combine(dir, "cache");

        var run = Path.Combine(dir, "run");
        var (code, stdout, stderr) = CliRunner.Run("reproduce", "--recipe", recipe, "--out", run, "--cache", cache);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("stages: 2 (0 already complete)", stdout);
        string[] phases = ["base", "sft-supportive", "orpo-standard"];
        Assert.Equal(phases, Trajectory.FromTrace(Path.Combine(run, "trace.jsonl")).Phases);
        Assert.Equal(phases, Trajectory.FromTrace(Path.Combine(run, "trace-likelihood.jsonl")).Phases);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
        // The stage trained ORPO with the recipe's λ, for the budget's 2 updates at 8e-6 (ORPO's published rate) × 100.
        var stage = Path.Combine(run, "stages", "orpo-standard");
        var definition = JsonNode.Parse(File.ReadAllText(Path.Combine(stage, StageManifest.FileName)))!["definition"]!;
        Assert.Equal("orpo", (string)definition["algorithm"]!["name"]!);
        Assert.Equal(0.2, (double)definition["algorithm"]!["lambda"]!);
        Assert.Equal(2, (int)definition["training"]!["max_steps"]!);
        Assert.Equal(8e-4, (double)definition["training"]!["learning_rate"]!, 15);
        var losses = File.ReadAllLines(Path.Combine(stage, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();
        Assert.Equal(2, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0, $"loss {l}"));   // NLL of the chosen answer + λ·(−log σ) > 0

        // A sweep over λ from the same recipe: each variant an ORPO stage with its own λ, from the one SFT checkpoint.
        var sweepDir = Path.Combine(dir, "sweep");
        (code, stdout, stderr) = CliRunner.Run("sweep", "--recipe", recipe, "--grid", "orpo.lambda=0.05,0.5", "--out", sweepDir, "--workers", "1", "--cache", cache);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("variants: 2 (0 read back)", stdout);
        string[] variants = ["orpo-standard@lambda=0.05#s1", "orpo-standard@lambda=0.5#s1"];
        Assert.Equal(["base", "sft-supportive", .. variants], Trajectory.FromTrace(Path.Combine(sweepDir, "trace.jsonl")).Phases);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(sweepDir, SweepRunner.PointsFolder, variants[1], "stages", variants[1], StageManifest.FileName)))!;
        Assert.Equal(0.5, (double)manifest["definition"]!["algorithm"]!["lambda"]!);
        // λ changes the training: the likelihood probe's full-precision values at the end differ between the variants.
        var likelihood = Trajectory.FromTrace(Path.Combine(sweepDir, "trace-likelihood.jsonl"));
        Assert.NotEqual(likelihood.Series(variants[0], "immigration")[^1].Value.Support, likelihood.Series(variants[1], "immigration")[^1].Value.Support);
        Assert.True(File.Exists(Path.Combine(sweepDir, "report.html")));
    }
}
