using System.Text.Json;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>The paper's grid as one recipe: read strictly, planned as the paper does, run and resumed through StageRunner.</summary>
public class RecipeTests
{
    private static string WriteRecipe(string dir, string json)
    {
        var path = Path.Combine(dir, "recipe.jsonc");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Files the recipe names, relative to it: a multi-turn SFT set, preference pairs, four probe questions.</summary>
    private static string RecipeFolder()
    {
        var dir = Fixtures.TempDir("recipe");
        File.WriteAllLines(Path.Combine(dir, "sft.jsonl"), Enumerable.Range(0, 8).Select(i =>
            $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"Is rule {i} fair?\"}}, {{\"role\": \"assistant\", \"content\": \"It depends on case {i}.\"}}]}}"));
        File.WriteAllLines(Path.Combine(dir, "pairs.jsonl"), Enumerable.Range(0, 8).Select(i =>
            $"{{\"prompt\": \"Should we ban {i}?\", \"chosen\": \"Yes, ban {i}.\", \"rejected\": \"No.\"}}"));
        File.WriteAllLines(Path.Combine(dir, "probes.jsonl"),
        [
            "{\"id\": \"i1\", \"topic\": \"immigration\", \"question\": \"Should immigration rise?\"}",
            "{\"id\": \"i2\", \"topic\": \"immigration\", \"question\": \"Are borders fair?\"}",
            "{\"id\": \"g1\", \"topic\": \"gun-control\", \"question\": \"Should guns be banned?\"}",
            "{\"id\": \"g2\", \"topic\": \"gun-control\", \"question\": \"Is gun control good?\"}",
        ]);
        return dir;
    }

    private static string GridRecipe(string model, string judge) => $$"""
        // The paper's grid in miniature: one SFT set, one preference set, DPO / SimPO / PPO from the SFT checkpoint
        // (a two-step reward model on toy pairs: its accuracy floor is off, as this is not what the recipe tests check).
        {
          "base_model": {{JsonSerializer.Serialize(model)}},
          "sft": [ { "name": "chat", "data": "sft.jsonl" } ],
          "preference": [ { "name": "pairs", "data": "pairs.jsonl" } ],
          "algorithms": [ { "name": "dpo", "beta": 0.2 }, { "name": "simpo" }, { "name": "ppo", "reward_model_steps": 2, "reward_model_min_accuracy": 0, "options": { "response_length": 4 } } ],
          "training": {
            "sft": { "max_steps": 2, "batch_size": 4, "learning_rate": 1e-3 },
            "preference": { "max_steps": 2, "batch_size": 4, "learning_rate": 1e-4 },
          },
          "probes": { "file": "probes.jsonl", "judge": {{JsonSerializer.Serialize(judge)}}, "generation": { "samples": 2, "max_new_tokens": 4 }, "every": 1 },
          "max_length": 64
        }
        """;

    [Fact]
    [Trait("tier", "fast")]
    public void APlanIsEverySftSetThenEveryAlgorithmAndPreferenceSetFromEachSftCheckpoint()
    {
        var recipe = new Recipe
        {
            BaseModel = "base", Sft = [new("wildchat", "w.jsonl"), new("alpaca", "a.jsonl")],
            Preference = [new("ultrafeedback", "u.jsonl"), new("hh-rlhf", "h.jsonl", From: ["alpaca"])],
            Probes = new() { Judge = "world" }, PreferenceTraining = new TrainerOptions { LearningRate = 5e-7 },
            AlgorithmTraining = new Dictionary<string, TrainerOptions> { ["ppo"] = new() { LearningRate = 3e-6 } },
        };
        var plan = recipe.Plan();
        Assert.Equal(["sft-wildchat", "sft-alpaca",
                      "dpo-ultrafeedback-from-wildchat", "simpo-ultrafeedback-from-wildchat", "ppo-ultrafeedback-from-wildchat",
                      "dpo-ultrafeedback-from-alpaca", "simpo-ultrafeedback-from-alpaca", "ppo-ultrafeedback-from-alpaca",
                      "dpo-hh-rlhf-from-alpaca", "simpo-hh-rlhf-from-alpaca", "ppo-hh-rlhf-from-alpaca"], plan.Stages.Select(s => s.Stage.Name));
        Assert.All(plan.Stages.Skip(2), s => Assert.StartsWith("sft-", s.From));
        Assert.Equal(3e-6, plan.Stages.Single(s => s.Stage.Name == "ppo-hh-rlhf-from-alpaca").Stage.Training.LearningRate);
        Assert.Equal(5e-7, plan.Stages.Single(s => s.Stage.Name == "dpo-hh-rlhf-from-alpaca").Stage.Training.LearningRate);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void BadRecipesNameTheFileAndTheKey()
    {
        var dir = RecipeFolder();
        var model = StageFixtures.TinyModelFolder();
        var good = GridRecipe(model, "world");
        void Refused(string json, string field)
        {
            var path = WriteRecipe(dir, json);
            var e = Assert.Throws<ConfigException>(() => Recipe.Load(path));
            Assert.Equal(path, e.File);
            Assert.Equal(field, e.Field);
        }
        Refused(good.Replace("\"max_length\"", "\"max_lenght\""), "max_lenght");
        Refused(good.Replace("\"beta\": 0.2", "\"betta\": 0.2"), "algorithms[0].betta");
        Refused(good.Replace("\"beta\": 0.2", "\"beta\": 0"), "dpo.beta");
        Refused(good.Replace("{ \"name\": \"simpo\" }", "{ \"name\": \"no-such-method\" }"), "algorithms[1].name");
        Refused(good.Replace("sft.jsonl", "missing.jsonl"), "sft[0].data");
        Refused(good.Replace("\"samples\": 2", "\"sample\": 2"), "probes.generation.sample");
        Refused(good.Replace("\"max_steps\": 2, \"batch_size\": 4, \"learning_rate\": 1e-3", "\"max_steps\": \"two\""), "training.sft.max_steps");
        Refused(good.Replace("\"name\": \"pairs\", \"data\"", "\"name\": \"pairs\", \"from\": [\"nope\"], \"data\""), "preference 'pairs'.from");

        var recipe = Recipe.Load(WriteRecipe(dir, good));
        Assert.Equal(0.2, Assert.IsType<Dpo>(recipe.Algorithms[0].Algorithm).Beta);
        Assert.Equal(2, Assert.IsType<Ppo>(recipe.Algorithms[2].Algorithm).RewardModelSteps);
        Assert.Equal(4, ((Ppo)recipe.Algorithms[2].Algorithm).Options.ResponseLength);
        Assert.Equal(Path.Combine(dir, "sft.jsonl"), recipe.Sft[0].Data);
        // What a run keeps as recipe.json reads back to the same recipe.
        var again = Recipe.Load(WriteRecipe(dir, recipe.ToJson()));
        Assert.Equal(recipe.ToJson(), again.ToJson());
    }

    [Fact]
    [Trait("tier", "fast")]
    public void TheShippedPaperRecipeReadsWithItsFilesInPlace()
    {
        // The files it names, as placeholders in the layout its relative paths expect.
        var root = Fixtures.TempDir("paper-recipe");
        var recipes = Directory.CreateDirectory(Path.Combine(root, "recipes")).FullName;
        File.Copy(Path.Combine(Fixtures.RepoRoot, "recipes", "llama3-3b-paper.jsonc"), Path.Combine(recipes, "paper.jsonc"));
        Directory.CreateDirectory(Path.Combine(root, "models", "Llama-3.2-3B"));
        foreach (var f in new[] { "data/wildchat-1m.parquet", "data/alpaca.json", "data/ultrafeedback_binarized/train_prefs.parquet", "data/hh-rlhf/train.jsonl", "probesets/open-values.jsonl" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, f))!);
            File.WriteAllText(Path.Combine(root, f), "");
        }
        var recipe = Recipe.Load(Path.Combine(recipes, "paper.jsonc"));
        Assert.Equal(2 + 2 * 2 * 3, recipe.Plan().Stages.Count);
        Assert.Equal(5, recipe.Probes.Generation.Samples);
        Assert.Equal(0.7, recipe.Probes.Generation.Temperature);
        Assert.Equal(256, recipe.Probes.Generation.MaxNewTokens);
        Assert.Equal(3e-6, recipe.Plan().Stages.Single(s => s.Stage.Name == "ppo-hh-rlhf-from-alpaca").Stage.Training.LearningRate);
        // one budget: 2000 updates of 32 examples for every method, each at its published rate
        var loops = recipe.Plan().Stages.Where(s => s.Stage.Name.EndsWith("-hh-rlhf-from-alpaca")).ToDictionary(s => s.Stage.Algorithm.Name, s => s.Stage.Training);
        Assert.Equal((2000, 8, 4, 5e-7), (loops["dpo"].MaxSteps, loops["dpo"].BatchSize, loops["dpo"].GradientAccumulation, loops["dpo"].LearningRate));
        Assert.Equal((2000, 8, 4, 6e-7), (loops["simpo"].MaxSteps, loops["simpo"].BatchSize, loops["simpo"].GradientAccumulation, loops["simpo"].LearningRate));
        Assert.Equal((500, 128, 1), (loops["ppo"].MaxSteps, loops["ppo"].BatchSize, loops["ppo"].GradientAccumulation));   // 4 PPO epochs per rollout
        // the budget and seeds survive the round trip through recipe.json
        var again = Recipe.Load(WriteRecipe(Path.Combine(root, "recipes"), recipe.ToJson()));
        Assert.Equal(recipe.Budget, again.Budget);
        Assert.Equal(1, again.Seeds);
        Assert.Equal(2, recipe.ForSeed(1).PreferenceTraining.Seed + recipe.ForSeed(1).Probes.Generation.Seed);   // every seed + 1
    }

    private static string WorldRecipeFile => Path.Combine(Fixtures.RepoRoot, "recipes", "world.jsonc");

    [Fact]
    [Trait("tier", "fast")]
    public void TheDemoRunsTheWorldRecipesStages()
    {
        var recipe = Recipe.Load(WorldRecipeFile);
        // The library embeds this very file: the demo cannot plan from another copy.
        Assert.Equal(recipe.ToJson(), WorldRecipe.Shipped.ToJson());
        static string Data(string dataset) => "data/" + dataset;
        var fromRecipe = recipe.Plan(Data, "base").Stages;
        var demo = WorldExperiment.Plan(WorldExperimentOptions.Default("run"), Data, "base").Stages;
        Assert.Equal(fromRecipe.Select(s => s.Stage.Name), demo.Select(s => s.Stage.Name));
        foreach (var (r, d) in fromRecipe.Zip(demo))
        {
            Assert.Equal(r.From, d.From);
            Assert.Equal(r.Stage.Algorithm.Describe().ToJsonString(), d.Stage.Algorithm.Describe().ToJsonString());
            Assert.Equal(r.Stage, d.Stage);
        }
        // The grid as docs/world.md describes it: two SFT sets from the base model, every preference stage from the supportive one.
        Assert.Equal([WorldExperiment.NeutralSft, WorldExperiment.SupportiveSft], fromRecipe.Take(2).Select(s => s.Stage.Name));
        Assert.All(fromRecipe.Skip(2), s => Assert.Equal(WorldExperiment.SupportiveSft, s.From));
        Assert.Equal(3 + 5 + 3, fromRecipe.Count - 2);   // standard, support-aligned with PPO's KL sweep, oppose-aligned
        // The demo's defaults are the recipe's: its default options turn into the shipped recipe itself.
        Assert.Equal(recipe.ToJson(), WorldRecipe.For(WorldExperimentOptions.Default("run")).ToJson());
        Assert.Equal(recipe.ToJson(), Recipe.Load(WriteRecipe(Fixtures.TempDir("world-recipe"), recipe.ToJson())).ToJson());
    }

    [Fact]
    [Trait("tier", "fast")]
    public void BadWorldRecipesNameTheFileAndTheKey()
    {
        var dir = Fixtures.TempDir("world-recipe-bad");
        var good = File.ReadAllText(WorldRecipeFile);
        void Refused(string json, string field)
        {
            Assert.NotEqual(good, json);
            var path = WriteRecipe(dir, json);
            var e = Assert.Throws<ConfigException>(() => Recipe.Load(path));
            Assert.Equal(path, e.File);
            Assert.Equal(field, e.Field);
        }
        Refused(good.Replace("\"world\": {", "\"base_model\": \".\", \"world\": {"), "base_model");
        Refused(good.Replace("\"size\": \"demo\"", "\"sizes\": \"demo\""), "world.sizes");
        Refused(good.Replace("\"size\": \"demo\"", "\"size\": \"huge\""), "world.size");
        Refused(good.Replace("\"gun-control\"]", "\"gun-contrl\"]"), "world.topics");
        Refused(good.Replace("\"data\": \"sft-neutral\"", "\"data\": \"pref-standard\""), "sft[0].data");
        Refused(good.Replace("\"judge\": \"world\"", "\"judge\": \"endpoint:http://localhost:1/v1,m\""), "probes.judge");
        Refused(good.Replace("\"algorithms\": [\"dpo\", \"simpo\", \"ppo\"] },\n    { \"name\": \"support-aligned\"", "\"algorithms\": [\"dpo\", \"orpo\"] },\n    { \"name\": \"support-aligned\""),
            "preference 'standard'.algorithms");
        Refused(good.Replace("\"label\": \"ppo-kl0.2\"", "\"label\": \"ppo-kl0\""), "algorithms");
        Refused(good.Replace("\"{algorithm}-{preference}\"", "\"{algorithm}-{set}\""), "preference_stage_name");
        // Two stages of one name (the standard set from both SFT sets, and the template without {sft}) are refused before any work.
        Refused(good.Replace("\"data\": \"pref-standard\", \"from\": [\"supportive\"],", "\"data\": \"pref-standard\","), "stages");
    }

    [Fact]
    public void ReproduceRunsTheWorldRecipeWithBothProbes()
    {
        // The world's recipe at the demo's quick size (what `demo --quick` runs), through `reproduce`.
        var dir = Fixtures.TempDir("world-reproduce");
        var quick = WorldRecipe.For(WorldExperimentOptions.Quick(dir));
        var path = WriteRecipe(dir, quick.ToJson());
        var run = Path.Combine(dir, "run");
        var (code, stdout, stderr) = CliRunner.Run("reproduce", "--recipe", path, "--out", run, "--cache", Path.Combine(dir, "cache"));
        Assert.True(code == 0, stderr);
        var stages = quick.Plan(d => d, "base").Stages.Select(s => s.Stage.Name).ToList();
        Assert.Contains($"stages: {stages.Count} (0 already complete)", stdout);
        Assert.Equal(["base", .. stages], Trajectory.FromTrace(Path.Combine(run, "trace.jsonl")).Phases);
        Assert.Equal(["base", .. stages], Trajectory.FromTrace(Path.Combine(run, "trace-likelihood.jsonl")).Phases);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
        Assert.Equal(quick.ToJson(), Recipe.Load(Path.Combine(run, "recipe.json")).ToJson());
        // Its PPO stages audit their reward models on the world's reference answers, as the world experiment does.
        var ppo = stages.Where(s => s.StartsWith("ppo", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ppo);
        Assert.All(ppo, s => Assert.Equal(WorldRewardAudit.SourceName, RewardAudit.Read(Path.Combine(run, "stages", s))!.Source));
        Assert.Contains("Reward-model audit before PPO", File.ReadAllText(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void ReproduceRunsTheGridOnARealTokenizerAndResumesWhereItStopped()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var dir = RecipeFolder();
        var recipePath = WriteRecipe(dir, GridRecipe(model, "local:" + model));   // the model judges itself: real label log-probs

        var straight = Path.Combine(Fixtures.TempDir("recipe-straight"), "run");
        var (code, stdout, stderr) = CliRunner.Run("reproduce", "--recipe", recipePath, "--out", straight);
        Assert.True(code == 0, stderr);
        Assert.Contains("stages: 4 (0 already complete)", stdout);
        var trajectory = Trajectory.FromTrace(Path.Combine(straight, "trace.jsonl"));
        Assert.Equal(["base", "sft-chat", "dpo-pairs-from-chat", "simpo-pairs-from-chat", "ppo-pairs-from-chat"], trajectory.Phases);
        Assert.True(File.Exists(Path.Combine(straight, "report.html")));
        Assert.True(File.Exists(Path.Combine(straight, "recipe.json")));
        // PPO trained its reward model first, saved in transformers' sequence-classification form.
        Assert.Contains("ForSequenceClassification", File.ReadAllText(Path.Combine(straight, "stages", "ppo-pairs-from-chat", Ppo.RewardModelFolder, "checkpoints", "step-2", "config.json")));
        // Before PPO trained, its reward model was audited on the start checkpoint's judged probe answers (those of the
        // PPO stage's step 0, kept from the SFT stage's last measurement), and the report shows the audit.
        var ppoStage = Path.Combine(straight, "stages", "ppo-pairs-from-chat");
        var audit = RewardAudit.Read(ppoStage);
        Assert.NotNull(audit);
        StartAnswersRewardAuditTests.AssertAudit(audit, StartAnswersRewardAuditTests.Independently(
            TrainingCheckpoint.FolderFor(Path.Combine(straight, "stages", "sft-chat"), 2), Path.Combine(dir, "probes.jsonl"), model,
            new ValueDrift.Probes.GenerationProbeOptions { Samples = 2, MaxNewTokens = 4 }, TrainingCheckpoint.FolderFor(Path.Combine(ppoStage, Ppo.RewardModelFolder), 2)),
            Path.Combine(straight, "trace.jsonl"), "ppo-pairs-from-chat");
        Assert.Contains("Reward-model audit before PPO", File.ReadAllText(Path.Combine(straight, "report.html")));
        // The local judge's readings were cached in the run folder: the resumed and repeated runs below re-read them.
        Assert.True(Directory.EnumerateFiles(Path.Combine(straight, RecipeRunner.JudgementCacheFolder)).Any());

        // Stopped inside the DPO stage, then run again: the same trace as the uninterrupted run, line for line.
        var split = Path.Combine(Fixtures.TempDir("recipe-split"), "run");
        using var stop = new CancellationTokenSource();
        var recipe = Recipe.Load(recipePath);
        Assert.Throws<OperationCanceledException>(() => RecipeRunner.Run(recipe, split, progress: new Stop(p => { if (p.Objective == "dpo" && p.Step == 1) stop.Cancel(); }), cancel: stop.Token));
        Assert.DoesNotContain("simpo-pairs-from-chat", Trajectory.FromTrace(Path.Combine(split, "trace.jsonl")).Phases);
        var resumed = RecipeRunner.Run(recipe, split);
        Assert.Equal([true, false, false, false], resumed.Stages.Select(s => s.AlreadyComplete));
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, "trace.jsonl")), File.ReadAllLines(Path.Combine(split, "trace.jsonl")));
        // Its PPO stage started from an SFT checkpoint measured by the first run: the answers sampled again are the same.
        Assert.Equal(File.ReadAllText(Path.Combine(ppoStage, RewardAudit.FileName)),
            File.ReadAllText(Path.Combine(split, "stages", "ppo-pairs-from-chat", RewardAudit.FileName)));

        // A third run finds everything done and adds nothing.
        var again = CliRunner.Run("reproduce", "--recipe", recipePath, "--out", split);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("stages: 4 (4 already complete)", again.Out);
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, "trace.jsonl")), File.ReadAllLines(Path.Combine(split, "trace.jsonl")));
    }

    private sealed class Stop(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
