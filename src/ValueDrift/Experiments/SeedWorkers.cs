using System.Diagnostics;

namespace ValueDrift.Experiments;

/// <summary>
/// A recipe's seed runs as worker processes (<see cref="RecipeRunner.Run"/>): once the base model exists, each seed
/// runs in its own process (<paramref name="Launch"/> of its index starts one that calls <see cref="RecipeRunner.RunSeed"/>),
/// up to <see cref="WorkerProcesses.Count"/> at once, each with <see cref="WorkerProcesses.ThreadsPerWorker"/> thread(s)
/// whatever the count, so every seed's trace is the same byte for byte with 1 worker or N.
/// </summary>
public sealed record SeedWorkers(WorkerProcesses Pool, Func<int, ProcessStartInfo> Launch);
