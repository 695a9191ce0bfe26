using ValueDrift.Experiments;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Interactive;

/// <summary>
/// The size the project's notebooks run at by default (<see cref="WorldExperimentOptions.Notebook"/>): the demo's world
/// and base-model recipe (pretrained once, then cached where the demo caches it) with short stages and a generation
/// probe — the paper's read-out — of 5 questions per topic × 5 answers, so each change gets an interval over questions. Learning rates are the demo's; every preference method gets the same budget (20 updates, 160
/// examples). Scale up with <see cref="WorldExperimentOptions.Default"/> (about ten minutes) for the full-size stages and probes.
/// </summary>
public static class NotebookSizes
{
    /// <summary>
    /// The notebook size, writing its run to <paramref name="runFolder"/>, with the demo's cache: the base model (and
    /// PPO's reward models) in $VALUEDRIFT_CACHE or ~/.cache/valuedrift, where <c>valuedrift demo</c> keeps them, so a
    /// clone that ran the demo pretrains nothing here.
    /// </summary>
    public static WorldExperimentOptions Small(string runFolder) => WorldExperimentOptions.Notebook(runFolder, cacheRoot: null);

    /// <summary>The notebook size, writing its run to <paramref name="runFolder"/> and caching the base model under <paramref name="cacheRoot"/>.</summary>
    public static WorldExperimentOptions Small(string runFolder, string cacheRoot) => WorldExperimentOptions.Notebook(runFolder, cacheRoot);
}
