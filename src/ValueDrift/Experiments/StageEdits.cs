using ValueDrift.Errors;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Experiments;

/// <summary>
/// Typed access to a stage's algorithm settings, so a notebook cell or a recipe in code changes one setting without
/// a downcast: <c>stage.With&lt;Dpo&gt;(d => d with { Beta = 0.5 })</c>, and reads them with
/// <c>stage.AlgorithmAs&lt;Ppo&gt;().RewardModelSteps</c>. A stage of another algorithm is a typed error naming it.
/// </summary>
public static class StageEdits
{
    /// <summary>This stage with its <typeparamref name="TAlgorithm"/> settings changed by <paramref name="edit"/>; everything else (name included) as it was.</summary>
    public static Stage With<TAlgorithm>(this Stage stage, Func<TAlgorithm, TAlgorithm> edit) where TAlgorithm : Algorithm
    {
        ArgumentNullException.ThrowIfNull(edit);
        return stage with { Algorithm = edit(stage.AlgorithmAs<TAlgorithm>()) };
    }

    /// <summary>The stage's algorithm settings as <typeparamref name="TAlgorithm"/>.</summary>
    /// <exception cref="ConfigException">The stage trains with another algorithm.</exception>
    public static TAlgorithm AlgorithmAs<TAlgorithm>(this Stage stage) where TAlgorithm : Algorithm =>
        stage.Algorithm as TAlgorithm
        ?? throw new ConfigException($"stage '{stage.Name}'", "algorithm", $"it trains with {stage.Algorithm.Name}, not {typeof(TAlgorithm).Name}");
}
