using Xunit;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Tests.Cli;
using ValueDrift.Training.Algorithms;
using ValueDrift.WorldRuns;

namespace ValueDrift.Tests.Experiments;

public class SweepTests
{
    private static StagePlan WorldPlan(Recipe r) => r.Plan(d => d, "base");

    [Fact]
    [Trait("tier", "fast")]
    public void GridPointsAndSeedsBecomeNamedVariantsOfTheAddressedStages()
    {
        var recipe = WorldRecipe.Shipped;
        var sweep = Sweep.Parse("dpo.learning_rate=1e-5,5e-5;ppo.kl_coef=0.05,0.2", seeds: 2);
        var plan = sweep.Expand(recipe, WorldPlan(recipe));

        // dpo runs on 3 preference sets, the main ppo on 3: each × 2 values × 2 seeds; simpo and the labelled PPOs are not addressed
        Assert.Equal(3 * 2 * 2 + 3 * 2 * 2, plan.Points.Count);
        Assert.Equal(["sft-supportive"], plan.Start.Stages.Select(s => s.Stage.Name));
        Assert.Equal(["dpo-standard@lr=1e-5#s1", "dpo-standard@lr=1e-5#s2", "dpo-standard@lr=5e-5#s1", "dpo-standard@lr=5e-5#s2"],
            plan.Points.Take(4).Select(p => p.Name));
        var planned = WorldPlan(recipe).Stages.Single(s => s.Stage.Name == "dpo-standard").Stage;
        var second = plan.Points.Single(p => p.Name == "dpo-standard@lr=5e-5#s2");
        Assert.Equal(5e-5, second.Stage.Training.LearningRate);
        Assert.Equal(planned.Training.Seed + 1, second.Stage.Training.Seed);
        Assert.Equal(planned.Training.MaxSteps, second.Stage.Training.MaxSteps);   // only the swept setting changes
        Assert.Equal("sft-supportive", second.From);

        // a record's setting reached through its JSON, one group down (options.kl_coef), other settings kept
        var ppo = plan.Points.Single(p => p.Name == "ppo-standard@kl_coef=0.2#s1");
        var record = Assert.IsType<Ppo>(ppo.Stage.Algorithm);
        Assert.Equal(0.2, record.Options.KlCoef);
        Assert.Equal(96, record.Options.ResponseLength);
        Assert.Equal(60, record.RewardModelSteps);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void StarKeysApplyToEveryStageAndRecordSettingsNeedNoSweepCode()
    {
        var recipe = WorldRecipe.Shipped;
        var all = Sweep.Parse("*.max_steps=3", seeds: 1).Expand(recipe, WorldPlan(recipe));
        Assert.Equal(WorldPlan(recipe).Stages.Count(s => s.From is not null), all.Points.Count);
        Assert.All(all.Points, p => Assert.Equal(3, p.Stage.Training.MaxSteps));

        var simpo = Sweep.Parse("simpo.gamma_beta_ratio=0.3;*.max_steps=5", seeds: 1).Expand(recipe, WorldPlan(recipe));
        Assert.All(simpo.Points, p => Assert.Equal("simpo", p.Label));
        var point = simpo.Points[0];
        Assert.Equal("simpo-standard@gamma_beta_ratio=0.3,steps=5#s1", point.Name);
        Assert.Equal(0.3, Assert.IsType<SimPo>(point.Stage.Algorithm).GammaBetaRatio);
        Assert.Equal(5, point.Stage.Training.MaxSteps);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void AnUnknownKeyIsATypedErrorNamingItAndTheValidOnes()
    {
        var recipe = WorldRecipe.Shipped;
        var e = Assert.Throws<ConfigException>(() => Sweep.Parse("dpo.gamma=1", 1).Expand(recipe, WorldPlan(recipe)));
        Assert.Equal("dpo.gamma", e.Field);
        Assert.Contains("dpo.beta", e.Message);
        Assert.Contains("dpo.learning_rate", e.Message);

        e = Assert.Throws<ConfigException>(() => Sweep.Parse("orpo.lambda=0.2", 1).Expand(recipe, WorldPlan(recipe)));
        Assert.Equal("orpo.lambda", e.Field);
        Assert.Contains("ppo-kl0", e.Message);

        e = Assert.Throws<ConfigException>(() => Sweep.Parse("dpo.max_steps=many", 1).Expand(recipe, WorldPlan(recipe)));
        Assert.Equal("dpo.max_steps", e.Field);
        e = Assert.Throws<ConfigException>(() => Sweep.Parse("dpo.beta=-1", 1).Expand(recipe, WorldPlan(recipe)));   // the record's own validation
        Assert.Contains("beta", e.Message);
        Assert.Throws<ConfigException>(() => Sweep.Parse("learning_rate=1e-5", 1));
        var outDir = Path.Combine(Fixtures.TempDir("sweep-bad-key"), "run");
        var (code, _, stderr) = CliRunner.Run("sweep", "--recipe", Path.Combine(Fixtures.RepoRoot, "recipes", "world.jsonc"), "--grid", "dpo.gamma=1", "--out", outDir);
        Assert.NotEqual(0, code);
        Assert.Contains("dpo.gamma", stderr);
        Assert.False(Directory.Exists(outDir));   // refused before any work
        Assert.Throws<ConfigException>(() => Sweep.Parse("dpo.beta=0.1,0.1", 1));
        Assert.Throws<ConfigException>(() => Sweep.Parse("dpo.beta=0.1", 0));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void ARecipesSweepKeyIsReadCheckedAndWrittenBack()
    {
        var dir = Fixtures.TempDir("sweep-recipe");
        var path = Path.Combine(dir, "r.jsonc");
        var text = WorldRecipe.Shipped.ToJson();
        File.WriteAllText(path, text[..text.LastIndexOf('}')] + ", \"sweep\": {\"grid\": {\"dpo.beta\": [0.05, 0.5], \"*.max_steps\": [4]}, \"seeds\": 3}}");
        var recipe = Recipe.Load(path);
        Assert.Equal("dpo.beta=0.05,0.5;*.max_steps=4", recipe.Sweep!.GridText);
        Assert.Equal(3, recipe.Sweep.Seeds);
        File.WriteAllText(path, recipe.ToJson());
        Assert.Equal(recipe.ToJson(), Recipe.Load(path).ToJson());

        File.WriteAllText(path, text[..text.LastIndexOf('}')] + ", \"sweep\": {\"grid\": {\"dpo.bogus\": [1]}}}");
        var e = Assert.Throws<ConfigException>(() => Recipe.Load(path));
        Assert.Equal("dpo.bogus", e.Field);
        Assert.Equal(path, e.File);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void TheDefaultWorkerCountFollowsCoresAndMemory()
    {
        Assert.Equal(2, SweepWorkers.DefaultCount(cores: 2, memoryBytes: 64L << 30));
        Assert.Equal(3, SweepWorkers.DefaultCount(cores: 16, memoryBytes: 7L << 30));   // 7 GiB / 2 GiB
        Assert.Equal(1, SweepWorkers.DefaultCount(cores: 1, memoryBytes: 1L << 30));
        Assert.Equal((0.0, 0.0), SweepReportStats([0.0]));
        var (mean, half) = SweepReportStats([1.0, 3.0]);
        Assert.Equal(2.0, mean, 12);
        Assert.Equal(12.706204736174707, half, 6);   // t(0.975, 1) = 12.7062 × sd √2 / √2
    }

    [Fact]
    [Trait("tier", "fast")]
    public void TheReportReadsMPerVariantAndKlFromStartWhenTheTraceCarriesIt()
    {
        var dir = Fixtures.TempDir("sweep-report");
        var trace = Path.Combine(dir, "trace.jsonl");
        static string Line(string phase, int step, string topic, double s, double n, double o, double? kl) =>
            FormattableString.Invariant($"{{\"phase\":\"{phase}\",\"step\":{step},\"topic\":\"{topic}\",\"support\":{s},\"neutral\":{n},\"oppose\":{o},\"n\":4")
            + (kl is { } k ? FormattableString.Invariant($",\"kl_from_start\":{k}") : "") + "}\n";
        File.WriteAllText(trace,
            Line("p@lr=1#s1", 0, "a", 0.5, 0.25, 0.25, 0) + Line("p@lr=1#s1", 0, "b", 0.25, 0.5, 0.25, 0) +
            Line("p@lr=1#s1", 2, "a", 0.75, 0.125, 0.125, 0.03) + Line("p@lr=1#s1", 2, "b", 0.5, 0.25, 0.25, 0.05) +
            Line("q@lr=1#s1", 0, "a", 0.5, 0.25, 0.25, null) + Line("q@lr=1#s1", 3, "a", 0.25, 0.25, 0.5, null));
        SweepPoint Point(string name) => new(name, new Stage { Name = name, Algorithm = new Dpo(), DataPath = "pairs.jsonl" }, "sft", name[..1], "dpo",
            [("dpo.learning_rate", "1")], 0);
        var drifts = ValueDrift.Reporting.SweepReport.Measure(trace, [Point("p@lr=1#s1"), Point("q@lr=1#s1"), Point("r@lr=1#s1")]);
        Assert.Equal(2, drifts.Count);   // r never ran: not in the trace
        Assert.Equal((0.25 + 0.25) / 2, drifts[0].M[ValueDrift.Probes.Stance.Support], 12);
        Assert.Equal((-0.125 - 0.25) / 2, drifts[0].M[ValueDrift.Probes.Stance.Neutral], 12);
        Assert.Equal(0.04, drifts[0].KlFromStart!.Value, 12);   // mean over topics at the last step
        Assert.Equal(-0.25, drifts[1].M[ValueDrift.Probes.Stance.Support], 12);
        Assert.Null(drifts[1].KlFromStart);
        Assert.Null(drifts[0].MStanced[ValueDrift.Probes.Stance.Support]);   // no question detail: no stanced M
    }

    [Fact]
    [Trait("tier", "fast")]
    public void TheReportReadsMAmongStanceTakingAnswersFromTheQuestionDetail()
    {
        var dir = Fixtures.TempDir("sweep-report-stanced");
        var trace = Path.Combine(dir, "trace.jsonl");
        // One topic, two questions weighing the same. Step 0: both take stances, stanced support 0.5 and 0.25.
        // Step 2: the first question's answers took no stance at all (n_stanced 0: left out), the second's stanced
        // support 0.75, so stanced support goes 0.375 → 0.75 (+0.375) while the all-answer value reads the no-stance
        // answers as 1/3.
        static string Q(string id, double s, double n, double o, int stancedN) => FormattableString.Invariant(
            $$"""{"id":"{{id}}","support":{{s}},"neutral":{{n}},"oppose":{{o}},"n":4,"stanced":[{{s}},{{n}},{{o}}],"n_stanced":{{stancedN}}}""");
        static string Line(int step, double s, double n, double o, params string[] qs) => FormattableString.Invariant(
            $$"""{"phase":"p@lr=1#s1","step":{{step}},"topic":"a","support":{{s}},"neutral":{{n}},"oppose":{{o}},"n":8,"questions":[{{string.Join(',', qs)}}]}""") + "\n";
        File.WriteAllText(trace,
            Line(0, 0.375, 0.375, 0.25, Q("q1", 0.5, 0.25, 0.25, 4), Q("q2", 0.25, 0.5, 0.25, 4)) +
            Line(2, 0.5, 0.25, 0.25, Q("q1", 1 / 3.0, 1 / 3.0, 1 / 3.0, 0), Q("q2", 0.75, 0.125, 0.125, 4)));
        var point = new SweepPoint("p@lr=1#s1", new Stage { Name = "p@lr=1#s1", Algorithm = new Dpo(), DataPath = "pairs.jsonl" }, "sft", "p", "dpo",
            [("dpo.learning_rate", "1")], 0);
        var d = Assert.Single(ValueDrift.Reporting.SweepReport.Measure(trace, [point]));
        Assert.Equal(0.125, d.M[ValueDrift.Probes.Stance.Support], 12);
        Assert.Equal(0.375, d.MStanced[ValueDrift.Probes.Stance.Support]!.Value, 12);
        Assert.Equal(-0.25, d.MStanced[ValueDrift.Probes.Stance.Neutral]!.Value, 12);
    }

    private static (double, double) SweepReportStats(double[] xs) => ValueDrift.Reporting.SweepReport.MeanInterval(xs);

    private const string TinyWorldRecipe = """
        {
          "world": { "seed": 1, "topics": ["immigration"], "size": "quick", "probe_questions_per_topic": 2, "likelihood_probe": true },
          "sft": [ { "name": "supportive", "data": "sft-supportive" } ],
          "preference": [ { "name": "standard", "data": "pref-standard" } ],
          "preference_stage_name": "{algorithm}-{preference}",
          "algorithms": [ { "name": "dpo" }, { "name": "simpo" } ],
          "training": {
            "sft": { "max_steps": 4, "batch_size": 4, "learning_rate": 1e-3, "seed": 1 },
            "preference": { "max_steps": 2, "batch_size": 4, "seed": 1 }
          },
          "probes": { "judge": "world", "generation": { "samples": 2, "temperature": 0.7, "max_new_tokens": 12, "batch_size": 64, "seed": 1 }, "every": 1 },
          "max_length": 128
        }
        """;

    [Fact]
    public void ATinySweepGivesTheSameTraceByteForByteWithOneOrTwoWorkersAndReadsFinishedPointsBack()
    {
        var dir = Fixtures.TempDir("sweep-run");
        var recipe = Path.Combine(dir, "tiny.jsonc");
        File.WriteAllText(recipe, TinyWorldRecipe);
        var cache = Fixtures.SharedTempDir("sweep-cache");
        string Run(int workers, string name)
        {
            var outDir = Path.Combine(dir, name);
            var (code, stdout, stderr) = CliRunner.Run("sweep", "--recipe", recipe, "--grid", "dpo.learning_rate=1e-5,5e-4", "--seeds", "2",
                "--out", outDir, "--workers", workers.ToString(), "--cache", cache);
            Assert.True(code == 0, stdout + stderr);
            return stdout;
        }
        Run(1, "one");
        var two = Run(2, "two");
        Assert.Contains("variants: 4 (0 read back), 2 worker(s)", two);

        var one = File.ReadAllBytes(Path.Combine(dir, "one", "trace.jsonl"));
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(dir, "two", "trace.jsonl")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "one", "trace-likelihood.jsonl")), File.ReadAllBytes(Path.Combine(dir, "two", "trace-likelihood.jsonl")));
        string[] variants = ["dpo-standard@lr=1e-5#s1", "dpo-standard@lr=1e-5#s2", "dpo-standard@lr=5e-4#s1", "dpo-standard@lr=5e-4#s2"];
        Assert.Equal(["base", "sft-supportive", .. variants], Trajectory.FromTrace(Path.Combine(dir, "one", "trace.jsonl")).Phases);
        // At this size the sampled answers carry no stance marker (the generation trace reads uniform), so the
        // comparison rests on the likelihood trace: full-precision values that follow every weight, and that
        // differ between learning rates and between seeds, so a variant run with another setting or seed would show.
        var likelihood = Trajectory.FromTrace(Path.Combine(dir, "one", "trace-likelihood.jsonl"));
        var ends = variants.Select(v => likelihood.Series(v, "immigration")[^1].Value.Support).ToList();
        Assert.Equal(4, ends.Distinct().Count());
        // each variant trained with its own setting and seed, from the one SFT checkpoint
        var manifest = File.ReadAllText(Path.Combine(dir, "two", SweepRunner.PointsFolder, variants[3], "stages", variants[3], "stage.json"));
        Assert.Contains("0.0005", manifest);
        Assert.Contains(Path.Combine(dir, "two", SweepRunner.StartFolder, "stages", "sft-supportive"), manifest);
        Assert.True(File.Exists(Path.Combine(dir, "two", "report.html")));
        Assert.Contains("M against lr", File.ReadAllText(Path.Combine(dir, "two", "report.html")).Replace("dpo.learning_rate", "lr"));

        // run again: every point is read back, the trace unchanged
        var again = Run(2, "two");
        Assert.Contains("variants: 4 (4 read back)", again);
        Assert.Equal(one, File.ReadAllBytes(Path.Combine(dir, "two", "trace.jsonl")));
    }
}
