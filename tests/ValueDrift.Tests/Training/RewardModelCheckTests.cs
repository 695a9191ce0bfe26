using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;
using ValueDrift.Training.Ppo;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>PPO's reward-model check: the seeded held-out split, the pair accuracy and its floor.</summary>
[Trait("tier", "fast")]
public class RewardModelCheckTests
{
    /// <summary>Scores a response by its length: a reward function whose ranking of a pair is known by hand.</summary>
    private sealed class LengthReward : IRewardFunction
    {
        public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => responses.Select(r => (double)r.Length).ToArray();
    }

    private static TokenizedPreference Pair(int chosen, int rejected) => new([1], Enumerable.Repeat(2, chosen).ToArray(), Enumerable.Repeat(3, rejected).ToArray());

    [Fact]
    public void Accuracy_counts_pairs_whose_chosen_scores_strictly_higher()
    {
        // 3 > 1 right, 2 = 2 a tie (wrong), 1 < 4 wrong, 5 > 2 right: 2 of 4
        var a = RewardModelCheck.Accuracy(new LengthReward(), [Pair(3, 1), Pair(2, 2), Pair(1, 4), Pair(5, 2)]);
        Assert.Equal(new RewardModelAccuracy(0.5, 4, 2), a);
    }

    [Fact]
    public void Below_the_floor_stops_with_a_message_naming_the_option()
    {
        var e = Assert.Throws<TrainingException>(() => RewardModelCheck.RequireFloor("ppo-standard", new RewardModelAccuracy(0.5, 4, 2), 0.6));
        Assert.Contains("ppo-standard", e.Message);
        Assert.Contains("2 of 4 held-out pairs", e.Message);
        Assert.Contains("ppo.reward_model_min_accuracy", e.Message);
        RewardModelCheck.RequireFloor("ppo-standard", new RewardModelAccuracy(0.6, 5, 3), 0.6);   // at the floor: passes
        RewardModelCheck.RequireFloor("ppo-standard", new RewardModelAccuracy(0.0, 5, 0), 0);     // floor 0: no check
    }

    [Fact]
    public void Split_holds_out_a_seeded_share_disjoint_from_training()
    {
        var (train, held) = RewardModelCheck.Split(25, 0.1, seed: 7);
        Assert.Equal(3, held.Length);                      // round(2.5) away from zero
        Assert.Equal(22, train.Length);
        Assert.Empty(train.Intersect(held));
        Assert.Equal(Enumerable.Range(0, 25), train.Concat(held).Order());
        Assert.Equal(held, RewardModelCheck.Split(25, 0.1, seed: 7).HeldOut);   // same seed, same split
        Assert.NotEqual(held, RewardModelCheck.Split(25, 0.1, seed: 8).HeldOut);
        Assert.Single(RewardModelCheck.Split(3, 0.01, seed: 1).HeldOut);        // at least one held out
        Assert.Throws<TrainingException>(() => RewardModelCheck.Split(1, 0.1, seed: 1));
    }

    [Fact]
    public void Ppo_refuses_a_holdout_or_floor_outside_its_range()
    {
        var loop = new TrainerOptions { BatchSize = 4 };
        var e = Assert.Throws<ConfigException>(() => new Ppo { RewardModelHoldout = 0 }.Validate("s", loop));
        Assert.Contains("ppo.reward_model_holdout", e.Message);
        e = Assert.Throws<ConfigException>(() => new Ppo { RewardModelMinAccuracy = 1.5 }.Validate("s", loop));
        Assert.Contains("ppo.reward_model_min_accuracy", e.Message);
        new Ppo().Validate("s", loop);
    }
}
