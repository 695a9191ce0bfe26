using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Errors;

namespace ValueDrift.Experiments;

/// <summary>One piece of independent work for a worker process: its name in progress lines, the folder it writes
/// (its output goes to worker.log there) and how to start it.</summary>
public sealed record WorkerJob(string Name, string Folder, Func<ProcessStartInfo> Launch);

/// <summary>
/// Runs independent jobs (a sweep's variants, a recipe's seed runs) as child processes, up to <see cref="Count"/> at
/// once, each writing its own folder and its output to worker.log there; the parent prints one line per job started
/// and finished, and, where asked, each job's own lines prefixed with its name (one progress view).
/// Child processes rather than threads: LibTorch's thread pool is per process, so each job gets exactly
/// <see cref="ThreadsPerWorker"/> threads, and a crash takes one job down, not the run.
/// </summary>
public sealed class WorkerProcesses(int count)
{
    /// <summary>
    /// Intra-op threads of every job, whatever the worker count: a reduction split over another number of threads
    /// adds in another order, so a fixed count is what keeps results identical for 1 or N workers.
    /// </summary>
    public const int ThreadsPerWorker = 1;

    /// <summary>Memory one worker is allowed in the default rule: the CLR, LibTorch and a world-sized model with its optimizer, with room to spare.</summary>
    public const long MemoryPerWorkerBytes = 2L << 30;

    /// <summary>Where each job's output goes, in its folder.</summary>
    public const string WorkerLog = "worker.log";

    public int Count { get; } = count >= 1 ? count : throw new ConfigException("--workers", "workers", $"must be ≥ 1, got {count}");

    /// <summary>For many jobs: one worker per <see cref="ThreadsPerWorker"/> cores, and no more than memory / <see cref="MemoryPerWorkerBytes"/>; at least 1.</summary>
    public static int DefaultCount(int cores, long memoryBytes) =>
        Math.Max(1, Math.Min(cores / ThreadsPerWorker, MemoryCap(memoryBytes)));

    /// <summary>
    /// For <paramref name="jobs"/> jobs: one worker per <see cref="ThreadsPerWorker"/> cores, no more than the jobs and
    /// memory / <see cref="MemoryPerWorkerBytes"/>; at least 1. Never more workers than cores: three single-threaded
    /// demo seeds on two cores took 2.4 times as long per stage as one alone (SFT 178–185 s against 75 s), not the 1.5
    /// that sharing the cores would explain, so two workers (two seeds, then one) finish sooner than three.
    /// </summary>
    public static int DefaultCount(int jobs, int cores, long memoryBytes) => Math.Max(1, Math.Min(Math.Max(jobs, 1), DefaultCount(cores, memoryBytes)));

    /// <summary><see cref="DefaultCount(int, int, long)"/> for this machine (the memory the runtime may use: physical or the container's limit).</summary>
    public static int DefaultCount(int jobs) => DefaultCount(jobs, Environment.ProcessorCount, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    private static int MemoryCap(long memoryBytes) => (int)Math.Min(int.MaxValue, memoryBytes / MemoryPerWorkerBytes);

    /// <summary>
    /// Runs every job; a job that fails stops the others and is reported with the end of its log.
    /// </summary>
    /// <param name="finished">Hears of each job that ended well, on this thread, while the others still run.</param>
    /// <param name="tick">Called on this thread every <paramref name="tickEvery"/> while jobs run (a caller's interim report).</param>
    /// <param name="forward">Each job's output lines are also logged here, prefixed with the job's name.</param>
    public void RunAll(IReadOnlyList<WorkerJob> jobs, ILogger log, CancellationToken cancel, Action<WorkerJob>? finished = null,
        Action? tick = null, TimeSpan? tickEvery = null, bool forward = false)
    {
        var queue = new Queue<WorkerJob>(jobs);
        var running = new List<Running>();
        var every = tickEvery ?? TimeSpan.FromSeconds(5);
        int done = 0;
        try
        {
            while (queue.Count > 0 || running.Count > 0)
            {
                while (running.Count < Count && queue.Count > 0)
                {
                    var job = queue.Dequeue();
                    running.Add(Start(job, forward ? log : null));
                    log.Line($"[{done}/{jobs.Count} done, {running.Count} running] {job.Name}: started ({Path.Combine(job.Folder, WorkerLog)})");
                }
                int i = Task.WaitAny(running.Select(r => r.Exited).ToArray(), tick is null ? Timeout.Infinite : (int)every.TotalMilliseconds, cancel);
                if (i < 0) { tick!(); continue; }
                var ended = running[i];
                running.RemoveAt(i);
                ended.Process.WaitForExit();   // drains the output handlers
                ended.Log.Dispose();
                int code = ended.Process.ExitCode;
                ended.Process.Dispose();
                if (code != 0)
                    throw new TrainingException($"'{ended.Job.Name}' failed (exit code {code}); the end of {ended.LogPath}:\n{Tail(ended.LogPath)}");
                done++;
                log.Line($"[{done}/{jobs.Count} done, {running.Count} running] {ended.Job.Name}: done in {ended.Watch.Elapsed.TotalSeconds:F0} s");
                finished?.Invoke(ended.Job);
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

    private sealed record Running(WorkerJob Job, Process Process, Task Exited, StreamWriter Log, string LogPath, Stopwatch Watch);

    private static readonly object ForwardLock = new();

    /// <summary>A worker's own elapsed-time stamp at the start of its lines: the parent's log stamps them again.</summary>
    private static readonly System.Text.RegularExpressions.Regex OwnClock = new(@"^\[\d\d:\d\d:\d\d\] ");

    private static Running Start(WorkerJob job, ILogger? forward)
    {
        Directory.CreateDirectory(job.Folder);
        var logPath = Path.Combine(job.Folder, WorkerLog);
        var writer = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var info = job.Launch();
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        foreach (var v in new[] { "OMP_NUM_THREADS", "MKL_NUM_THREADS" }) info.Environment[v] = ThreadsPerWorker.ToString();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sync = new object();
        void Write(string? line)
        {
            if (line is null) return;
            lock (sync) writer.WriteLine(line);
            if (forward is not null) lock (ForwardLock) forward.Line($"{job.Name} | {OwnClock.Replace(line, "")}");
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        if (!process.Start()) throw new TrainingException($"'{job.Name}': the worker process did not start ({info.FileName})");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Running(job, process, process.WaitForExitAsync(), writer, logPath, Stopwatch.StartNew());
    }

    private static string Tail(string path) => string.Join("\n", File.ReadLines(path).TakeLast(15));
}
