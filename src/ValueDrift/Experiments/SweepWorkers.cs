using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ValueDrift.Common;

namespace ValueDrift.Experiments;

/// <summary>
/// Runs a sweep's variants as child processes (<see cref="WorkerProcesses"/>), up to <see cref="Count"/> at once, each
/// writing its own folder and its output to worker.log there; the parent prints one line per variant started and finished.
/// </summary>
public sealed class SweepWorkers(int count, Func<SweepPoint, ProcessStartInfo> launch)
{
    /// <summary>Intra-op threads of every variant, whatever the worker count (<see cref="WorkerProcesses.ThreadsPerWorker"/>).</summary>
    public const int ThreadsPerPoint = WorkerProcesses.ThreadsPerWorker;

    private readonly WorkerProcesses _pool = new(count);

    public int Count => _pool.Count;

    /// <summary>The default worker count for many variants: <see cref="WorkerProcesses.DefaultCount(int, long)"/>.</summary>
    public static int DefaultCount(int cores, long memoryBytes) => WorkerProcesses.DefaultCount(cores, memoryBytes);

    /// <summary><see cref="DefaultCount(int, long)"/> for this machine: <see cref="WorkerProcesses.DefaultCount(int)"/> for as many variants as there are.</summary>
    public static int DefaultCount() => WorkerProcesses.DefaultCount(int.MaxValue);

    /// <summary>Runs every point; a worker that fails stops the others and is reported with the end of its log.</summary>
    public void RunAll(IReadOnlyList<SweepPoint> points, Func<SweepPoint, string> folder, ILogger log, CancellationToken cancel) =>
        _pool.RunAll(points.Select(p => new WorkerJob($"sweep variant '{p.Name}'", folder(p), () => launch(p))).ToList(), log, cancel);
}
