using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

public class RewardModelTests
{
    [Fact]
    public void RewardModellingLowersItsLossAndRaisesAccuracy()
    {
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 3);
        var trainer = new TrainingLoop(new RewardModelObjective(model, TrainingData.Preferences(48), 0), new TrainerOptions { MaxSteps = 60, BatchSize = 8, LearningRate = 2e-3 });
        trainer.Run();
        double F(IEnumerable<(int, IReadOnlyDictionary<string, double> M)> h, string k) => h.Average(x => x.M[k]);
        var first = trainer.History.Take(4).ToList();
        var last = trainer.History.TakeLast(4).ToList();
        Assert.True(F(last, "loss") < 0.6 * F(first, "loss"), $"loss {F(first, "loss")} → {F(last, "loss")}");
        Assert.True(F(first, "rewards/accuracies") < 0.8, $"starting accuracy {F(first, "rewards/accuracies")}");
        Assert.True(F(last, "rewards/accuracies") >= 0.85, $"accuracy {F(first, "rewards/accuracies")} → {F(last, "rewards/accuracies")}");
        Assert.True(F(last, "rewards/margins") > F(first, "rewards/margins") + 0.5);
        foreach (var h in trainer.History)
            Assert.Equal(h.Metrics["rewards/chosen"] - h.Metrics["rewards/rejected"], h.Metrics["rewards/margins"], 4);
    }

    [Fact]
    public void ScoreIsReadOnTheLastRealTokenOfARightPaddedRow()
    {
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 4);
        int[] shortRow = [5, 6, 7], longRow = [5, 6, 7, 8, 9];
        double[] batched = model.Score([shortRow[..1], longRow[..2]], [shortRow[1..], longRow[2..]]);
        using var _ = no_grad();
        foreach (var (row, score) in new[] { (shortRow, batched[0]), (longRow, batched[1]) })
        {
            var ids = tensor(row.Select(x => (long)x).ToArray()).unsqueeze(0);
            var alone = model.Values(ids).select(1, -1).item<float>();   // unpadded: last column
            Assert.Equal(alone, score, 5);
        }
        Assert.NotEqual(batched[0], batched[1], 3);
        // A different last token changes the score: the head does not read the padding or the first token.
        Assert.NotEqual(batched[0], model.Score([[5]], [[6, 8]])[0], 4);
    }

    [Fact]
    public void CheckpointStoresTheBackboneAndTheHead()
    {
        var run = Fixtures.TempDir("reward-ckpt");
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 5);
        new TrainingLoop(new RewardModelObjective(model, TrainingData.Preferences(16), 0), new TrainerOptions { MaxSteps = 2, BatchSize = 4, LearningRate = 1e-2 }, run).Run();
        var dir = TrainingCheckpoint.FolderFor(run, 2);
        Assert.Contains("LlamaForSequenceClassification", File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.False(File.Exists(Path.Combine(dir, RewardModel.HeadFile)));   // the head is in model.safetensors
        using var loaded = RewardModel.FromPretrained(dir);
        int[][] prompts = [[3, 4], [9]], responses = [[5, 2], [10, 11, 2]];
        Assert.Equal(model.Score(prompts, responses), loaded.Score(prompts, responses));

        // Resuming restores the head too (LoadExtras): continuing 2 → 3 steps works from the files alone.
        using var again = RewardModel.Create(TrainingData.TinyConfig(), seed: 77);
        new TrainingLoop(new RewardModelObjective(again, TrainingData.Preferences(16), 0), new TrainerOptions { MaxSteps = 3, BatchSize = 4, LearningRate = 1e-2 }, run).Run(resume: true);
        Assert.True(Directory.Exists(TrainingCheckpoint.FolderFor(run, 3)));

        // The folder also loads as a language model (the head is skipped); saved as one, it has no head.
        var plain = Fixtures.TempDir("reward-plain");
        using (var lm = ValueDrift.Models.CausalLM.FromPretrained(dir)) lm.SavePretrained(plain);
        var e = Assert.Throws<CheckpointException>(() => RewardModel.FromPretrained(plain));
        Assert.Contains(RewardModel.HeadFile, e.Message);
        using var fresh = RewardModel.FromPretrained(plain, requireHead: false);   // a plain LM folder starts a reward model
        Assert.Single(fresh.Score([[3]], [[4]]));
    }

    [Fact]
    public void CopyIsIndependent()
    {
        using var model = RewardModel.Create(TrainingData.TinyConfig(), seed: 6);
        using var copy = model.Copy();
        Assert.Equal(model.Score([[3, 4]], [[5]]), copy.Score([[3, 4]], [[5]]));
        using (no_grad()) foreach (var p in copy.parameters()) p.add_(0.1);
        Assert.NotEqual(model.Score([[3, 4]], [[5]])[0], copy.Score([[3, 4]], [[5]])[0], 4);
    }
}
