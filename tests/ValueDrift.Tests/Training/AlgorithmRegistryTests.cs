using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>The registry finds every record, and what a record adds for the rest of the library stays out of its JSON.</summary>
[Trait("tier", "fast")]
public class AlgorithmRegistryTests
{
    [Fact]
    public void FindsEveryRecordByItsName()
    {
        foreach (var (name, type) in new[] { ("sft", typeof(Sft)), ("dpo", typeof(Dpo)), ("simpo", typeof(SimPo)), ("reward", typeof(Reward)), ("ppo", typeof(Ppo)) })
            Assert.IsType(type, AlgorithmRegistry.Find(name));
        Assert.Null(AlgorithmRegistry.Find("nope"));
        Assert.Equal(["dpo", "simpo", "ppo"], AlgorithmRegistry.PaperComparison);
    }

    [Fact]
    public void DescribeWritesTheSettingsOnly()
    {
        Assert.Equal(["name", "beta", "reference"], new Dpo().Describe().Select(kv => kv.Key));
        Assert.Equal(["name", "train_on_prompt", "last_turn_only"], new Sft().Describe().Select(kv => kv.Key));
        Assert.Equal(["name"], new Reward().Describe().Select(kv => kv.Key));
        var facts = new[] { "summary", "data", "memory", "published_learning_rate", "updates_per_step", "accumulates_gradients",
            "supports_attribution", "paper_comparison_order", "command_line", "trains_helper_model" };
        foreach (var a in AlgorithmRegistry.All)
            Assert.Empty(a.Describe().Select(kv => kv.Key).Intersect(facts));
    }

    [Fact]
    public void EachRecordReadsBackWhatItWrites()
    {
        foreach (var a in AlgorithmRegistry.All)
        {
            var node = a.Describe();
            node.Remove("name");
            Assert.Equal(a.Describe().ToJsonString(), AlgorithmRegistry.Read(a.Name, node, SnakeCaseJson.Options).Describe().ToJsonString());
        }
    }

    [Fact]
    public void WithSettingsChangesOnlyTheNamedSettings()
    {
        var ppo = Assert.IsType<Ppo>(new Ppo().WithSettings([("options.kl_coef", JsonValue.Create(0.2)), ("reward_model_steps", JsonValue.Create(7))]));
        Assert.Equal(0.2, ppo.Options.KlCoef);
        Assert.Equal(7, ppo.RewardModelSteps);
        Assert.Equal(new Ppo().Options.NumPpoEpochs, ppo.Options.NumPpoEpochs);
        Assert.Equal(typeof(double), new Ppo().SettingType("options.kl_coef"));
        Assert.Equal(typeof(double?), new SimPo().SettingType("gamma"));
        Assert.Throws<ValueDrift.Errors.ConfigException>(() => new Dpo().SettingType("gamma"));
    }

    [Fact]
    public void EveryCommandLineOptionSetsARealSetting()
    {
        foreach (var a in AlgorithmRegistry.All)
            foreach (var o in a.CommandLine)
            {
                Assert.StartsWith("--", o.Flag);
                _ = a.SettingType(o.Setting);   // throws for a setting the record does not have
                if (o.ExclusiveWith is { } other) Assert.Contains(a.CommandLine, x => x.Flag == other);
            }
    }

    [Fact]
    public void MemoryTermsAreTheRecordsFacts()
    {
        Assert.Equal(2, new Dpo().Memory.SequencesPerExample);
        Assert.Equal(ReferenceUse.CachedLogProbs, new Dpo().Memory.Reference);
        Assert.Equal(ReferenceUse.Live, new Dpo { Reference = "ref" }.Memory.Reference);
        Assert.True(new Reward().Memory.ScalarHead);
        Assert.True(new Ppo().Memory.RewardAndValueModels);
        Assert.Equal(8, new Ppo { Options = new() { NumPpoEpochs = 4, NumMiniBatches = 2 } }.UpdatesPerStep);
    }

    [Fact]
    public void TrainHasOneCommandPerRecordWithItsOptions()
    {
        var (code, stdout, stderr) = CliRunner.Run("train", "--help");
        Assert.True(code == 0, stderr);
        foreach (var name in AlgorithmRegistry.Names) Assert.Contains(name, stdout);
        var ppo = CliRunner.Run("train", "ppo", "--help");
        Assert.Contains("--kl-coef", ppo.Out);
        Assert.Contains("(default 0.05)", ppo.Out);
    }

    [Fact]
    public void TwoWaysOfGivingOneSettingAreRefused()
    {
        var (code, _, stderr) = CliRunner.Run("train", "simpo", "--model", "m", "--data", "d", "--out", Fixtures.TempDir("two-ways"),
            "--simpo-gamma", "1", "--simpo-gamma-beta-ratio", "0.5");
        Assert.Equal(2, code);
        Assert.Contains("two ways", stderr);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void A_switch_option_clears_its_setting_and_is_exclusive_with_the_value_option()
    {
        static Ppo Parse(params string[] args) => ParsePpo(args);
        Assert.Equal(0.01, Parse().Options.TargetKl);
        Assert.Equal(0.02, Parse("--target-kl", "0.02").Options.TargetKl);
        Assert.Null(Parse("--no-early-stopping").Options.TargetKl);
        Assert.Contains("two ways", Assert.Throws<ValueDrift.Errors.ValueDriftException>(() => Parse("--no-early-stopping", "--target-kl", "0.02")).Message);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void PPOs_value_warmup_and_its_controls_are_command_line_options_with_the_records_defaults()
    {
        static Ppo Parse(params string[] args)
        {
            var (ppo, errors) = ParsePpoWithErrors(args);
            Assert.Empty(errors);
            return ppo;
        }
        var defaults = Parse().Options;
        Assert.Equal((0, false, true), (defaults.ValueWarmupRollouts, defaults.ShuffleScores, defaults.ValueBaseline));
        var given = Parse("--value-warmup-rollouts", "4", "--shuffle-scores", "--value-baseline", "false").Options;
        Assert.Equal((4, true, false), (given.ValueWarmupRollouts, given.ShuffleScores, given.ValueBaseline));
        Assert.Equal(defaults with { ValueWarmupRollouts = 4, ShuffleScores = true, ValueBaseline = false }, given);
    }

    /// <summary>PPO's record as <c>valuedrift train ppo</c> reads it from <paramref name="args"/>.</summary>
    private static Ppo ParsePpo(string[] args) => ParsePpoWithErrors(args).Ppo;

    private static (Ppo Ppo, IReadOnlyList<System.CommandLine.Parsing.ParseError> Errors) ParsePpoWithErrors(string[] args)
    {
        var command = new System.CommandLine.Command("ppo");
        var options = new ValueDrift.Cli.Commands.AlgorithmOptions(new Ppo());
        options.AddTo(command);
        var parsed = command.Parse(args);
        return ((Ppo)options.Read(parsed), parsed.Errors);
    }
}
