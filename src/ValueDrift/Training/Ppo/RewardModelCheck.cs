using ValueDrift.Data;
using ValueDrift.Errors;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Training.Ppo;

/// <summary>A reward model's pair accuracy on pairs it was not trained on, and how many pairs that was.</summary>
public sealed record RewardModelAccuracy(double Accuracy, int Pairs, int Correct);

/// <summary>
/// The check PPO makes before it starts: a reward model that cannot rank held-out pairs gives PPO no signal, and a PPO
/// run against it would read as "PPO preserves values" whatever the algorithm does. A seeded fraction of the stage's
/// pairs is held out of reward-model training; the trained model must rank chosen above rejected on them at least as
/// often as a floor.
/// </summary>
public static class RewardModelCheck
{
    /// <summary>
    /// Splits <paramref name="count"/> pair indices into training and held-out sets: round(count × fraction) held out
    /// (at least one), chosen by a shuffle seeded with <paramref name="seed"/>; both lists ascending.
    /// </summary>
    public static (int[] Train, int[] HeldOut) Split(int count, double fraction, long seed)
    {
        if (!(fraction > 0 && fraction < 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be in (0, 1)");
        if (count < 2) throw new TrainingException($"holding out reward-model pairs needs at least 2 pairs, got {count}");
        int held = Math.Clamp((int)Math.Round(count * fraction, MidpointRounding.AwayFromZero), 1, count - 1);
        var order = Enumerable.Range(0, count).ToArray();
        Common.Seeds.Random(seed, 0x5245574D).Shuffle(order);   // "REWM": a stream of its own, apart from the batch order
        return (order.Skip(held).Order().ToArray(), order.Take(held).Order().ToArray());
    }

    /// <summary>
    /// Fraction of pairs whose chosen response scores strictly higher than the rejected one (a tie counts as wrong: the
    /// model cannot tell them apart).
    /// </summary>
    public static RewardModelAccuracy Accuracy(IRewardFunction reward, IReadOnlyList<TokenizedPreference> pairs)
    {
        if (pairs.Count == 0) throw new TrainingException("reward-model accuracy needs at least one pair");
        var prompts = pairs.Select(p => p.PromptIds).ToList();
        var chosen = reward.Score(prompts, pairs.Select(p => p.ChosenIds).ToList());
        var rejected = reward.Score(prompts, pairs.Select(p => p.RejectedIds).ToList());
        int correct = Enumerable.Range(0, pairs.Count).Count(i => chosen[i] > rejected[i]);
        return new RewardModelAccuracy((double)correct / pairs.Count, pairs.Count, correct);
    }

    /// <summary>A <see cref="TrainingException"/> naming the stage, the accuracy and the option when it is below the floor.</summary>
    public static void RequireFloor(string stage, RewardModelAccuracy a, double floor)
    {
        if (a.Accuracy < floor)
            throw new TrainingException($"{stage}: the reward model ranks {a.Correct} of {a.Pairs} held-out pairs correctly (accuracy {a.Accuracy:0.00}), " +
                $"below the floor {floor:0.00} (ppo.reward_model_min_accuracy): PPO against it would optimise noise. Train it longer " +
                "(reward_model_steps, reward_model_learning_rate), give a better reward model, or lower the floor deliberately.");
    }
}
