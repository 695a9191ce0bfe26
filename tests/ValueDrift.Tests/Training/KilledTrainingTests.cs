using System.Diagnostics;
using System.Text.Json;
using ValueDrift.Models;
using ValueDrift.Tests.Probes;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Training;

/// <summary>
/// Crash safety of a real training run: `valuedrift train dpo` in a child process is SIGKILLed at random moments,
/// restarted with --resume each time, until it finishes. After every kill the checkpoints on disk load and the metrics
/// parse up to the last flushed line; the finished run's losses and weights equal an uninterrupted run's.
/// </summary>
public class KilledTrainingTests
{
    private const int Steps = 24;

    private static string[] TrainArgs(string model, string data, string outDir) =>
        ["train", "dpo", "--model", model, "--data", data, "--out", outDir, "--steps", Steps.ToString(), "--checkpoint-every", "3",
         "--batch-size", "4", "--lr", "1e-3", "--seed", "3", "--beta", "0.2", "--max-length", "200"];

    private static Process Start(string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        // One compute thread in every run, so the uninterrupted and the resumed runs round identically.
        start.Environment["OMP_NUM_THREADS"] = "1";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ValueDrift.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine(); p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Losses by step from metrics.jsonl; a torn last line (killed mid-write) is ignored, any other bad line fails.</summary>
    private static SortedDictionary<int, double> Losses(string runDir)
    {
        var result = new SortedDictionary<int, double>();
        var path = Path.Combine(runDir, "metrics.jsonl");
        if (!File.Exists(path)) return result;
        var lines = File.ReadAllText(path).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                using var d = JsonDocument.Parse(lines[i]);
                result[d.RootElement.GetProperty("step").GetInt32()] = d.RootElement.GetProperty("loss").GetDouble();
            }
            catch (JsonException) when (i == lines.Length - 1) { }   // the torn tail of a killed write
        }
        return result;
    }

    [Fact]
    public void RandomKillsThenResumeReproduceTheUninterruptedRun()
    {
        var model = ProbeModels.SaveByteModel("killed-training-model");
        var world = Fixtures.TempDir("killed-training-world");
        WorldDatasets.WriteAll(world, WorldOptions.Quick with { PreferencePairs = 60 });
        var data = Path.Combine(world, WorldDatasets.FileName(WorldDatasets.SupportAligned));

        var straight = Fixtures.TempDir("killed-training-straight");
        using (var p = Start(TrainArgs(model, data, straight)))
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "uninterrupted run did not finish");
            Assert.Equal(0, p.ExitCode);
        }
        var expected = Losses(straight);
        Assert.Equal(Steps, expected.Count);

        var killed = Fixtures.TempDir("killed-training-killed");
        var rng = new Random(20261127);
        int kills = 0;
        for (int attempt = 0; attempt < 12; attempt++)
        {
            using var p = Start([.. TrainArgs(model, data, killed), "--resume"]);
            // Kill a few steps further on, at a random point inside a step (wherever the run happens to be then):
            // waiting on progress, not on the clock, keeps the test meaningful on fast and slow machines alike.
            int target = Losses(killed).Count + rng.Next(1, 7);
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && Losses(killed).Count < target && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(10);
            Thread.Sleep(rng.Next(0, 40));
            if (p.HasExited) { Assert.Equal(0, p.ExitCode); break; }
            p.Kill();   // SIGKILL
            p.WaitForExit();
            kills++;

            // What a killed run leaves is usable: every complete checkpoint loads, metrics parse to the last flushed line.
            foreach (var dir in Directory.Exists(Path.Combine(killed, "checkpoints")) ? Directory.GetDirectories(Path.Combine(killed, "checkpoints"), "step-*") : [])
                using (CausalLM.FromPretrained(dir)) { }
            var partial = Losses(killed);
            foreach (var (step, loss) in partial) Assert.Equal(expected[step], loss);
        }
        if (!File.Exists(Path.Combine(killed, "checkpoints", $"step-{Steps}", "trainer_state.json")))
            using (var p = Start([.. TrainArgs(model, data, killed), "--resume"]))
            {
                Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)));
                Assert.Equal(0, p.ExitCode);
            }
        Assert.True(kills >= 2, $"only {kills} kill(s) happened before the run finished: the test needs a longer run");
        Assert.Equal(expected, Losses(killed));
        var a = File.ReadAllBytes(Path.Combine(straight, "checkpoints", $"step-{Steps}", Checkpoint.SingleFile));
        var b = File.ReadAllBytes(Path.Combine(killed, "checkpoints", $"step-{Steps}", Checkpoint.SingleFile));
        Assert.Equal(a, b);
    }
}
