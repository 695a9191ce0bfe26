using ValueDrift.Interactive;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>The notebook's longest cell, the ablation, says what it retrains and about how long before it starts.</summary>
[Trait("tier", "fast")]
public class AblationNoticeTests
{
    [Fact]
    public void The_ablation_cell_says_how_long_before_it_starts()
    {
        var stage = new ValueDrift.Experiments.Stage { Name = "sft-neutral", Algorithm = new ValueDrift.Training.Algorithms.Sft(), DataPath = "x.jsonl",
            Training = new ValueDrift.Training.TrainerOptions { MaxSteps = 20 } };
        var trained = new ValueDrift.Experiments.StageResult(stage, "base", "ckpt", "dir", [], TimeSpan.FromSeconds(70), AlreadyComplete: false);
        Assert.Equal("retraining sft-neutral 4 times (without the top cut and without a random cut, 2 seeds; 20 steps each): about 5 min at the 70 s the stage took here.",
            SessionAttribution.AblationNotice(trained, seeds: 2));
        Assert.EndsWith("; finished retrains in the run folder are reused.", SessionAttribution.AblationNotice(trained with { AlreadyComplete = true }, seeds: 2));
    }
}
