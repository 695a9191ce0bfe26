using ValueDrift.Experiments;

namespace ValueDrift.Interactive;

/// <summary>
/// The sizes the project's notebooks run at by default: <see cref="WorldDemoOptions.Quick"/> (the small base model,
/// two topics, short stages) with higher learning rates so a dozen steps visibly move the likelihood probe, and a
/// lean generation probe. Each notebook then runs headless in about a minute on two cores. At this size the base
/// model is too small to write answers with stance markers, so the generation probe reads uniform; scale up with
/// <see cref="WorldDemoOptions.Default"/> (about ten minutes) to see it move.
/// </summary>
public static class NotebookSizes
{
    /// <summary>The notebook size, writing its run to <paramref name="runFolder"/> and caching the base model under <paramref name="cacheRoot"/>.</summary>
    public static WorldDemoOptions Small(string runFolder, string cacheRoot) => WorldDemoOptions.Quick(runFolder) with
    {
        CacheRoot = cacheRoot,
        SftLearningRate = 1e-2,
        PreferenceLearningRate = 5e-3,
        PpoLearningRate = 1e-3,
        PpoSteps = 2,
        RewardModelSteps = 4,
        ProbeSamples = 1,
        ProbeQuestionsPerTopic = 2,
        ProbeMaxNewTokens = 24,
    };
}
