using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Errors;

namespace ValueDrift.Experiments;

/// <summary>
/// Runs a sweep's variants as child processes, up to <see cref="Count"/> at once, each writing its own folder and its
/// output to worker.log there; the parent prints one line per variant started and finished (the progress view).
/// Child processes rather than threads: LibTorch's thread pool is per process, so each variant gets exactly
/// <see cref="ThreadsPerPoint"/> threads, and a crash takes one variant down, not the sweep.
/// </summary>
public sealed class SweepWorkers(int count, Func<SweepPoint, ProcessStartInfo> launch)
{
    /// <summary>
    /// Intra-op threads of every variant, whatever the worker count: a reduction split over another number of threads
    /// adds in another order, so a fixed count is what keeps results identical for 1 or N workers.
    /// </summary>
    public const int ThreadsPerPoint = 1;

    /// <summary>Memory one worker is allowed in the default rule: the CLR, LibTorch and a world-sized model with its optimizer, with room to spare.</summary>
    public const long MemoryPerWorkerBytes = 2L << 30;

    public int Count { get; } = count >= 1 ? count : throw new ConfigException("--workers", "workers", $"must be ≥ 1, got {count}");

    /// <summary>The default worker count: one per <see cref="ThreadsPerPoint"/> cores, and no more than memory / <see cref="MemoryPerWorkerBytes"/>; at least 1.</summary>
    public static int DefaultCount(int cores, long memoryBytes) =>
        Math.Max(1, Math.Min(cores / ThreadsPerPoint, (int)Math.Min(int.MaxValue, memoryBytes / MemoryPerWorkerBytes)));

    /// <summary><see cref="DefaultCount(int, long)"/> for this machine (the memory the runtime may use: physical or the container's limit).</summary>
    public static int DefaultCount() => DefaultCount(Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>Runs every point; a worker that fails stops the others and is reported with the end of its log.</summary>
    public void RunAll(IReadOnlyList<SweepPoint> points, Func<SweepPoint, string> folder, ILogger log, CancellationToken cancel)
    {
        var queue = new Queue<SweepPoint>(points);
        var running = new List<Running>();
        int done = 0;
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                while (running.Count < Count && queue.Count > 0)
                {
                    var point = queue.Dequeue();
                    running.Add(Start(point, folder(point)));
                    log.Line($"sweep [{done}/{points.Count} done, {running.Count} running] {point.Name}: started");
                }
                int i = Task.WaitAny(running.Select(r => r.Exited).ToArray(), cancel);
                var finished = running[i];
                running.RemoveAt(i);
                finished.Process.WaitForExit();   // drains the output handlers
                finished.Log.Dispose();
                int code = finished.Process.ExitCode;
                finished.Process.Dispose();
                if (code != 0)
                    throw new TrainingException($"sweep variant '{finished.Point.Name}' failed (exit code {code}); the end of {finished.LogPath}:\n{Tail(finished.LogPath)}");
                done++;
                log.Line($"sweep [{done}/{points.Count} done, {running.Count} running] {finished.Point.Name}: done in {finished.Watch.Elapsed.TotalSeconds:F0} s");
            }
        }
        finally
        {
            foreach (var r in running)
            {
                try { if (!r.Process.HasExited) r.Process.Kill(entireProcessTree: true); r.Process.WaitForExit(); }
                catch (InvalidOperationException) { }
                r.Log.Dispose();
                r.Process.Dispose();
            }
        }
    }

    private sealed record Running(SweepPoint Point, Process Process, Task Exited, StreamWriter Log, string LogPath, Stopwatch Watch);

    private Running Start(SweepPoint point, string folder)
    {
        Directory.CreateDirectory(folder);
        var logPath = Path.Combine(folder, SweepRunner.WorkerLog);
        var writer = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var info = launch(point);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var v in new[] { "OMP_NUM_THREADS", "MKL_NUM_THREADS" }) info.Environment[v] = ThreadsPerPoint.ToString();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sync = new object();
        void Write(string? line) { if (line is null) return; lock (sync) writer.WriteLine(line); }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        if (!process.Start()) throw new TrainingException($"sweep variant '{point.Name}': the worker process did not start ({info.FileName})");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Running(point, process, process.WaitForExitAsync(), writer, logPath, Stopwatch.StartNew());
    }

    private static string Tail(string path) => string.Join("\n", File.ReadLines(path).TakeLast(15));
}
