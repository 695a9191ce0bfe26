using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.IO;
using ValueDrift.Tests.Experiments;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// One writer per folder, with two real processes: a second <c>train</c> into a stage folder another process is
/// training in is refused within seconds, naming the folder and the holder's PID, and leaves the first run's files
/// alone; once the holder is SIGKILLed the lock is free at once (the kernel drops it with the process).
/// </summary>
public class SecondWriterTests
{
    private static string[] Train(string model, string data, string outDir, int steps) =>
        ["train", "sft", "--model", model, "--data", data, "--out", outDir, "--steps", steps.ToString(), "--batch-size", "4",
         "--lr", "1e-3", "--seed", "2", "--checkpoint-every", "5"];

    [Fact]
    public void A_second_train_into_a_stage_folder_is_refused_naming_the_holder_and_a_killed_holder_leaves_no_lock()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.Conversations();
        var stage = Path.Combine(Fixtures.TempDir("second-writer"), "sft");
        var lockFile = Path.Combine(stage, WriterLock.FolderLockName);

        using var first = CliProcess.Start(Train(model, data, stage, 100_000));
        Assert.True(first.WaitUntil(() => File.Exists(Path.Combine(stage, "metrics.jsonl")), TimeSpan.FromMinutes(2)), "the first run never started training: " + first.Err);
        Assert.Equal(first.Id, WriterLock.HolderPid(lockFile));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var second = CliProcess.Start(Train(model, data, stage, 100_000)))
        {
            Assert.Equal(2, second.Wait(TimeSpan.FromMinutes(1)));
            Assert.True(second.Err.Contains($"{stage}: this stage folder is being written by another process (PID {first.Id})"), second.Err);
            Assert.DoesNotContain("   at ", second.Err);   // one line, no stack
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the refusal took {clock.Elapsed}");
        Assert.False(first.HasExited, "the refused writer stopped the first run: " + first.Err);

        // In this process too (another open file description): refused with the holder's PID, while it lives.
        var refused = Assert.Throws<WriterLockedException>(() => WriterLock.Folder(stage, "stage folder"));
        Assert.Equal(first.Id, refused.HolderPid);

        first.Kill();   // SIGKILL: no finally block runs, nothing is cleaned up
        using var after = WriterLock.Folder(stage, "stage folder");
        Assert.Equal(Environment.ProcessId, WriterLock.HolderPid(lockFile));
    }

    [Fact]
    public void A_second_reproduce_into_a_run_folder_is_refused_naming_the_holder()
    {
        var run = Fixtures.TempDir("second-writer-run");
        using var held = new RunDirectory(run).LockForWriting();
        var recipe = Path.Combine(Fixtures.RepoRoot, "recipes", "world.jsonc");
        using var second = CliProcess.Start("reproduce", "--recipe", recipe, "--out", run);
        Assert.Equal(2, second.Wait(TimeSpan.FromMinutes(1)));
        Assert.True(second.Err.Contains($"{run}: this run folder is being written by another process (PID {Environment.ProcessId})"), second.Err);
        Assert.False(File.Exists(Path.Combine(run, "recipe.json")), "the refused run wrote into the folder");
    }
}
