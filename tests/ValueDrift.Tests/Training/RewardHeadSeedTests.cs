using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>A reward stage's fresh head is drawn from the run's seed: seeds vary it, a repeated seed repeats it.</summary>
public class RewardHeadSeedTests
{
    private static float[] TrainedHead(string model, string data, long seed)
    {
        var stage = new Stage
        {
            Name = "reward", Algorithm = new Reward(), DataPath = data,
            // A learning rate far below float resolution: the final head is the initial one.
            Training = new TrainerOptions { MaxSteps = 1, BatchSize = 4, LearningRate = 1e-30, WarmupSteps = 0, Decay = LearningRateDecay.Constant, Seed = seed },
        };
        var result = new StageRunner().Run(stage, model, Path.Combine(Fixtures.TempDir($"reward-head-{seed}"), "reward"));
        using var head = SafetensorsFile.Open(Path.Combine(result.FinalCheckpoint, "model.safetensors")).Read(RewardModel.HeadTensor);
        return head.data<float>().ToArray();
    }

    [Fact]
    public void SeedsDrawDifferentHeadsAndARepeatedSeedTheSame()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.TextPairs();
        var one = TrainedHead(model, data, 1);
        var again = TrainedHead(model, data, 1);
        var two = TrainedHead(model, data, 2);
        Assert.Equal(one, again);
        Assert.True(one.Zip(two).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "another seed, another head");
    }
}
