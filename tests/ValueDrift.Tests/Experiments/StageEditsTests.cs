using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>A stage's algorithm settings are changed and read by type, without a downcast; the wrong type is a typed error.</summary>
public class StageEditsTests
{
    private static readonly Stage Standard = new()
    {
        Name = "dpo-standard", Algorithm = new Dpo(), DataPath = "pairs.jsonl",
        Training = new TrainerOptions { MaxSteps = 7, Seed = 3 }, ProbeEvery = 5,
    };

    [Fact]
    [Trait("tier", "fast")]
    public void With_changes_one_setting_of_the_algorithm_and_nothing_else()
    {
        var beta = Standard.With<Dpo>(d => d with { Beta = 0.5 });
        Assert.Equal(new Dpo { Beta = 0.5 }, beta.Algorithm);
        Assert.Equal(Standard with { Algorithm = new Dpo { Beta = 0.5 } }, beta);
        Assert.Equal(new Dpo(), Standard.Algorithm);   // the original stage is unchanged
        Assert.NotEqual(0.5, new Dpo().Beta);           // so the edit is visible
        Assert.Equal(0.5, beta.AlgorithmAs<Dpo>().Beta);
        // As notebook 01's exercise writes it: the edit, then the copy under its own name.
        var renamed = Standard.With<Dpo>(d => d with { Beta = 0.5 }) with { Name = "dpo-standard-beta0.5" };
        Assert.Equal(beta with { Name = "dpo-standard-beta0.5" }, renamed);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Another_algorithms_settings_are_a_typed_error_naming_the_stage()
    {
        var e = Assert.Throws<ConfigException>(() => Standard.With<Ppo>(p => p with { RewardModelSteps = 10 }));
        Assert.Equal("algorithm", e.Field);
        Assert.Contains("stage 'dpo-standard'", e.Message);
        Assert.Contains("trains with dpo, not Ppo", e.Message);
        Assert.Throws<ConfigException>(() => Standard.AlgorithmAs<SimPo>());
    }
}
