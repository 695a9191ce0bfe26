using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Ppo;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>One budget per comparison: equal updates and examples, published learning rates × one factor.</summary>
[Trait("tier", "fast")]
public class PreferenceBudgetTests
{
    private static readonly TrainerOptions Template = new() { WarmupSteps = 5, Seed = 3 };

    [Fact]
    public void Every_method_gets_the_same_updates_and_examples_at_its_published_rate_times_the_factor()
    {
        var budget = new PreferenceBudget { OptimizerSteps = 48, BatchSize = 8, LearningRateScale = 100 };
        var dpo = budget.Loop(new Dpo(), Template);
        var simpo = budget.Loop(new SimPo(), Template);
        var ppo = budget.Loop(new Ppo(), Template);   // TRL: 4 PPO epochs × 1 mini-batch per rollout
        Assert.Equal((48, 8), (dpo.MaxSteps, dpo.BatchSize));
        Assert.Equal((48, 8), (simpo.MaxSteps, simpo.BatchSize));
        Assert.Equal((12, 32), (ppo.MaxSteps, ppo.BatchSize));           // 12 rollouts of 32 prompts: 48 updates, 384 prompts
        Assert.Equal(5e-5, dpo.LearningRate, 12);                         // 5e-7 × 100
        Assert.Equal(6e-5, simpo.LearningRate, 12);                       // 6e-7 × 100
        Assert.Equal(3e-4, ppo.LearningRate, 12);                         // 3e-6 × 100
        Assert.Equal(1, ppo.WarmupSteps);                                 // min(5, 12 / 10)
        Assert.Equal(3, ppo.Seed);

        // two mini-batches: 8 updates per rollout, so 6 rollouts of 64 prompts (still 48 updates, 384 prompts)
        var ppo2 = budget.Loop(new Ppo { Options = new PpoOptions { NumMiniBatches = 2 } }, Template);
        Assert.Equal((6, 64), (ppo2.MaxSteps, ppo2.BatchSize));
    }

    [Fact]
    public void A_budget_that_cannot_be_split_equally_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => new PreferenceBudget { OptimizerSteps = 50, BatchSize = 8 }.Loop(new Ppo(), Template));
        Assert.Equal("optimizer_steps", e.Field);
        Assert.Throws<ConfigException>(() => new PreferenceBudget { OptimizerSteps = 8, BatchSize = 0 }.Validate());
        Assert.Throws<ConfigException>(() => new PreferenceBudget { OptimizerSteps = 8, BatchSize = 1, LearningRateScale = 0 }.Validate());
        Assert.Throws<ConfigException>(() => new PreferenceBudget { OptimizerSteps = 8, BatchSize = 1 }.LearningRate(new Sft()));
    }

    [Fact]
    public void The_world_gives_every_preference_stage_the_budget_and_sweeps_PPO_s_KL_coefficient()
    {
        var o = WorldExperimentOptions.Default("run");
        var stages = WorldExperiment.Stages(o, d => d).Select(s => s.Stage).Where(s => s.Algorithm is not Sft).ToList();
        foreach (var s in stages)
        {
            int updates = s.Training.MaxSteps * s.Algorithm.UpdatesPerStep;
            int examples = s.Training.MaxSteps * s.Training.BatchSize;
            Assert.Equal((o.Budget.OptimizerSteps, o.Budget.Examples), (updates, examples));
            Assert.Equal(Math.Min(4, s.Training.MaxSteps / 10), s.Training.WarmupSteps);   // the demo's warm-up: min(5, 48 / 10) = 4, capped at a tenth
        }
        // PPO's own rate (recipes/world.jsonc, chosen in docs/training.md), at every size, with early stopping on
        Assert.All(stages.Where(s => s.Algorithm is Ppo), s => Assert.Equal(3e-4, s.Training.LearningRate, 12));
        Assert.All(stages.Where(s => s.Algorithm is Ppo), s => Assert.Equal(0.01, ((Ppo)s.Algorithm).Options.TargetKl));
        Assert.Equal(3e-4, WorldExperimentOptions.Notebook("nb", null).Budget.LearningRate(new Ppo()), 12);
        Assert.Equal(3e-4, WorldExperimentOptions.Quick("q").Budget.LearningRate(new Ppo()), 12);
        var sweep = stages.Where(s => s.Name.EndsWith("-support-aligned") && s.Algorithm is Ppo)
            .ToDictionary(s => s.Name, s => ((Ppo)s.Algorithm).Options);
        Assert.Equal(0.05, sweep["ppo-support-aligned"].KlCoef);
        Assert.Equal(0.0, sweep["ppo-kl0-support-aligned"].KlCoef);
        Assert.Equal(0.2, sweep["ppo-kl0.2-support-aligned"].KlCoef);
        Assert.All(sweep.Values, p => Assert.Equal(1.0, p.MissingEosPenalty));
        Assert.All(sweep.Values, p => Assert.Equal(o.ProbeMaxNewTokens, p.ResponseLength));
    }

    [Fact]
    public void Seeds_run_in_their_own_folders_with_their_own_training_seed()
    {
        var o = WorldExperimentOptions.Default("run") with { Seed = 5, Seeds = 3 };
        Assert.Equal([5L, 6L, 7L], o.TrainingSeeds);
        var recipe = WorldRecipe.For(o);
        Assert.Equal(3, recipe.Seeds);
        // one naming for every recipe run, the demo's included: the run folder, then seeds/seed-K for the K-th seed after it
        Assert.Equal("run", Recipe.SeedFolder(o.OutputDirectory, 0));
        Assert.Equal(Path.Combine("run", "seeds", "seed-2"), Recipe.SeedFolder(o.OutputDirectory, 2));
        // the world and base model keep the experiment's seed; training and the probe's sampling follow the run's
        var third = recipe.ForSeed(2);
        Assert.Equal((5, 7L), (third.World!.Seed, WorldRecipe.TrainingSeed(recipe, 2)));
        Assert.Equal(7L, third.Probes.Generation.Seed);
        Assert.All(third.Plan(d => d, "base").Stages, s => Assert.Equal(7L, s.Stage.Training.Seed));
        Assert.All(recipe.ForSeed(0).Plan(d => d, "base").Stages, s => Assert.Equal(5L, s.Stage.Training.Seed));
        var e = Assert.Throws<ConfigException>(() => (o with { Seeds = 0 }).Validate());
        Assert.Equal("seeds", e.Field);
    }

    [Fact]
    public void A_chosen_learning_rate_replaces_one_method_s_published_rate_times_the_factor()
    {
        var budget = new PreferenceBudget { OptimizerSteps = 48, BatchSize = 8, LearningRateScale = 100, LearningRates = new Dictionary<string, double> { ["ppo"] = 2e-5 } };
        Assert.Equal(2e-5, budget.Loop(new Ppo(), Template).LearningRate, 12);
        Assert.Equal(2e-5, budget.Loop(new Ppo { Options = new PpoOptions { KlCoef = 0 } }, Template).LearningRate, 12);   // every PPO, whatever its label
        Assert.Equal(5e-5, budget.Loop(new Dpo(), Template).LearningRate, 12);                                         // the others unchanged
        // equal by content, as a recipe read back has a new dictionary
        Assert.Equal(budget, budget with { LearningRates = new Dictionary<string, double> { ["ppo"] = 2e-5 } });
        Assert.NotEqual(budget, budget with { LearningRates = new Dictionary<string, double> { ["ppo"] = 3e-5 } });
        Assert.NotEqual(budget, budget with { LearningRates = new Dictionary<string, double>() });
        var unknown = Assert.Throws<ConfigException>(() => (budget with { LearningRates = new Dictionary<string, double> { ["sft"] = 1e-4 } }).Validate());
        Assert.Equal("learning_rates.sft", unknown.Field);
        var bad = Assert.Throws<ConfigException>(() => (budget with { LearningRates = new Dictionary<string, double> { ["ppo"] = -1 } }).Validate());
        Assert.Equal("learning_rates.ppo", bad.Field);
    }
}
