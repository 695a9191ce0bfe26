using Microsoft.Extensions.Logging;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>
/// Where a recipe run's base model, data files and probes come from: the recipe's own files
/// (<see cref="FileRecipeSource"/>, for a recipe that names a base_model), or the embedded world (the world
/// experiment's source, for a recipe with a "world", which writes the world's datasets into each run folder and
/// pretrains its base model once). <see cref="RecipeRunner"/> and <see cref="SweepRunner"/> run either the same way.
/// </summary>
public interface IRecipeSource
{
    /// <summary>
    /// Everything a run of <paramref name="recipe"/> in <paramref name="run"/> reads before its first stage, written
    /// into its folder where the source makes it (the world's datasets and config.json).
    /// </summary>
    RecipeInputs Prepare(Recipe recipe, RunDirectory run, ILogger log, IProgress<TrainingProgress>? progress);

    /// <summary>
    /// The inputs of a run folder <see cref="Prepare"/> wrote before, writing nothing there: a sweep's variant, in its
    /// own process, reads its start run's data and base model.
    /// </summary>
    RecipeInputs Reopen(Recipe recipe, RunDirectory prepared, ILogger log);
}
