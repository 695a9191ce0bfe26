using System.Security.Cryptography;
using ValueDrift.Errors;
using ValueDrift.IO;
using ValueDrift.Models;
using ValueDrift.Tests.Training;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Writes that fail half-way (a full disk, a read-only folder, a path that cannot be a folder) must give a clear
/// error and leave what was there before intact: the old file of <see cref="AtomicFile"/>, the previous checkpoint of
/// a training run, and no temporary folder that <see cref="TrainingCheckpoint.Latest"/> could take for a checkpoint.
/// </summary>
public class CrashSafeWriteTests
{
    private static readonly byte[] Old = Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7)).ToArray();

    private static void AssertOnlyTheOldFile(string dir, string file)
    {
        Assert.Equal(Old, File.ReadAllBytes(file));
        Assert.Equal([Path.GetFileName(file)], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void AtomicFile_on_a_full_disk_leaves_the_old_file_and_no_temporary_file()
    {
        using var disk = TinyDisk.TryMount("full-disk", 256 * 1024);
        Assert.True(disk is not null, "mounting a tmpfs failed: these tests need the right to mount (see docs/reliability.md)");
        var file = Path.Combine(disk.Path, "state.bin");
        AtomicFile.WriteAllBytes(file, Old);
        var e = Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllBytes(file, new byte[1024 * 1024]));
        Assert.Contains("space", e.Message, StringComparison.OrdinalIgnoreCase);
        AssertOnlyTheOldFile(disk.Path, file);
    }

    [Fact]
    public void AtomicFile_in_a_read_only_folder_leaves_the_old_file()
    {
        using var disk = TinyDisk.TryMount("ro-disk", 256 * 1024);
        Assert.True(disk is not null, "mounting a tmpfs failed: these tests need the right to mount (see docs/reliability.md)");
        var file = Path.Combine(disk.Path, "state.bin");
        AtomicFile.WriteAllBytes(file, Old);
        disk.MakeReadOnly();
        Assert.ThrowsAny<Exception>(() => AtomicFile.WriteAllBytes(file, [1, 2, 3]));
        AssertOnlyTheOldFile(disk.Path, file);
    }

    [Fact]
    public void AtomicFile_under_a_parent_that_is_a_file_fails_without_touching_it()
    {
        var dir = Fixtures.TempDir("parent-is-file");
        var blocker = Path.Combine(dir, "blocker");
        File.WriteAllBytes(blocker, Old);
        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(Path.Combine(blocker, "sub", "x.json"), "{}"));
        AssertOnlyTheOldFile(dir, blocker);
    }

    private static SftObjective Objective(CausalLM model) => new(model, TrainingData.Sft(32), padId: 0);

    private static TrainerOptions Options(int steps) => new() { MaxSteps = steps, BatchSize = 4, LearningRate = 1e-2, CheckpointEvery = 2, Seed = 3 };

    private static long FolderBytes(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static Dictionary<string, float[]> Weights(CausalLM model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    [Fact]
    public void A_full_disk_during_training_raises_TrainingException_and_keeps_the_previous_checkpoint()
    {
        // Size the disk from a real checkpoint of this model: room for one and a half.
        var probe = Fixtures.TempDir("ckpt-size");
        using (var m = CausalLM.Create(TrainingData.TinyConfig(), seed: 1))
            new TrainingLoop(Objective(m), Options(2), probe).Run();
        long checkpoint = FolderBytes(Path.Combine(probe, "checkpoints"));

        using var disk = TinyDisk.TryMount("full-run", checkpoint * 3 / 2 + 16 * 1024);
        Assert.True(disk is not null, "mounting a tmpfs failed: these tests need the right to mount (see docs/reliability.md)");
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1);
        var trainer = new TrainingLoop(Objective(model), Options(6), disk.Path);
        Dictionary<string, float[]>? atStep2 = null;
        trainer.CheckpointSaved += e => { if (e.Step == 2) atStep2 = Weights(model); };

        var error = Assert.Throws<TrainingException>(() => trainer.Run());
        Assert.Contains(Path.Combine(disk.Path, "checkpoints"), error.Message);
        Assert.NotNull(atStep2);

        // The previous checkpoint is the newest one, whole, and loads to the very weights it had when saved.
        var latest = TrainingCheckpoint.Latest(disk.Path);
        Assert.Equal(2, latest?.Step);
        using var loaded = CausalLM.FromPretrained(latest!.Value.Directory);
        foreach (var (name, values) in Weights(loaded)) Assert.Equal(atStep2![name], values);
        Assert.Equal(["step-2"], Directory.EnumerateDirectories(Path.Combine(disk.Path, "checkpoints")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_read_only_run_folder_raises_TrainingException_and_keeps_the_previous_checkpoint()
    {
        using var disk = TinyDisk.TryMount("ro-run", 8L << 20);
        Assert.True(disk is not null, "mounting a tmpfs failed: these tests need the right to mount (see docs/reliability.md)");
        using (var first = CausalLM.Create(TrainingData.TinyConfig(), seed: 1))
            new TrainingLoop(Objective(first), Options(2), disk.Path).Run();
        var step2 = TrainingCheckpoint.FolderFor(disk.Path, 2);
        var hashes = Hashes(step2);
        disk.MakeReadOnly();

        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1);
        var error = Assert.Throws<TrainingException>(() => new TrainingLoop(Objective(model), Options(4), disk.Path).Run(resume: true));
        Assert.Contains(disk.Path, error.Message);
        Assert.Equal(hashes, Hashes(step2));
        Assert.Equal(2, TrainingCheckpoint.Latest(disk.Path)?.Step);
    }

    [Fact]
    public void A_checkpoints_path_that_is_a_file_raises_TrainingException_naming_it()
    {
        var run = Fixtures.TempDir("ckpt-blocked");
        File.WriteAllText(Path.Combine(run, "checkpoints"), "not a folder");
        using var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1);
        var objective = Objective(model);
        objective.Prepare(null);
        using var optimizer = TorchSharp.torch.optim.AdamW(objective.TrainableParameters, 1e-3);
        var e = Assert.Throws<TrainingException>(() => TrainingCheckpoint.Save(run, 1, objective.Name, objective.Policy, objective.SaveExtras, optimizer, Options(2), null));
        Assert.Contains(Path.Combine(run, "checkpoints"), e.Message);
        Assert.Equal("not a folder", File.ReadAllText(Path.Combine(run, "checkpoints")));
    }

    [Fact]
    public void Latest_ignores_temporary_and_incomplete_checkpoint_folders()
    {
        var run = Fixtures.TempDir("latest");
        using (var model = CausalLM.Create(TrainingData.TinyConfig(), seed: 1))
            new TrainingLoop(Objective(model), Options(2), run).Run();
        var root = Path.Combine(run, "checkpoints");
        // What a kill mid-save leaves: a temporary folder with a later step, and a later step without trainer_state.json.
        CopyFolder(Path.Combine(root, "step-2"), Path.Combine(root, ".step-8.0123abcd.tmp"));
        CopyFolder(Path.Combine(root, "step-2"), Path.Combine(root, "step-6"));
        File.Delete(Path.Combine(root, "step-6", TrainingCheckpoint.StateFile));
        Directory.CreateDirectory(Path.Combine(root, "step-9.tmp"));
        Assert.Equal((2, Path.Combine(root, "step-2")), TrainingCheckpoint.Latest(run));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
