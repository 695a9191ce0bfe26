using System.Diagnostics;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Tests.Probes;
using ValueDrift.Tests.Training;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Drift;

public class TrajectoryRecorderTests
{
    private static LikelihoodProbe Probe() => new(
    [
        new("imm-1", "immigration", "More immigrants?", new Dictionary<Stance, IReadOnlyList<string>>
        {
            [Stance.Support] = ["I support it."], [Stance.Neutral] = ["It depends."], [Stance.Oppose] = ["I oppose it."],
        }),
        new("gun-1", "gun-control", "Ban rifles?", new Dictionary<Stance, IReadOnlyList<string>>
        {
            [Stance.Support] = ["Yes."], [Stance.Neutral] = ["Hard to say."], [Stance.Oppose] = ["No, never."],
        }),
    ], new ByteTokenizer(), new PlainChatTemplate());

    private static TrainingLoop SftTrainer(ValueDrift.Models.CausalLM model, int maxSteps, string? runDir = null, int checkpointEvery = 0) =>
        new(new SftObjective(model, TrainingData.Sft(16), padId: 0),
            new TrainerOptions { MaxSteps = maxSteps, BatchSize = 4, LearningRate = 1e-2, CheckpointEvery = checkpointEvery }, runDir);

    private static void AssertClose(StanceDistribution expected, StanceDistribution actual)
    {
        for (var s = 0; s < 3; s++) Assert.Equal(expected.ToArray()[s], actual.ToArray()[s], 6);
    }

    [Fact]
    public void RecordsTheScheduledStepsOfAPhaseFromItsStartingCheckpoint()
    {
        var trace = Path.Combine(Fixtures.TempDir("recorder"), "trace.jsonl");
        using var model = ProbeModels.ByteModel(seed: 3);
        using var start = ProbeModels.ByteModel(seed: 3);
        var probe = Probe();
        var trainer = SftTrainer(model, maxSteps: 5);
        using (var writer = new TraceWriter(trace))
        {
            var recorder = new TrajectoryRecorder(probe, writer, "sft", ProbeSchedule.Every(2));
            recorder.Attach(trainer);
            trainer.Run();
            Assert.Equal([0, 2, 4, 5], recorder.RecordedSteps);
        }

        var records = TraceReader.Read(trace).Records;
        Assert.Equal(8, records.Count);
        Assert.All(records, r => Assert.Equal("sft", r.Phase));
        var trajectory = new Trajectory(records);
        Assert.Equal([0, 2, 4, 5], trajectory.Series("sft", "immigration").Select(p => p.Step));
        // Step 0 is the model before training; the last step is the trained model.
        AssertClose(probe.Measure(start)["immigration"]!.Value, trajectory.Series("sft", "immigration")[0].Value);
        AssertClose(probe.Measure(model)["gun-control"]!.Value, trajectory.Series("sft", "gun-control")[^1].Value);
        Assert.NotEqual(trajectory.Series("sft", "immigration")[0].Value, trajectory.Series("sft", "immigration")[^1].Value);
    }

    [Fact]
    public void AResumedRunDoesNotRecordStepsTheTraceAlreadyHolds()
    {
        var run = Fixtures.TempDir("recorder-resume");
        var trace = Path.Combine(run, "trace.jsonl");
        using (var model = ProbeModels.ByteModel(seed: 4))
        using (var writer = new TraceWriter(trace))
        {
            var trainer = SftTrainer(model, maxSteps: 4, run, checkpointEvery: 2);
            new TrajectoryRecorder(Probe(), writer, "sft", ProbeSchedule.Every(2)).Attach(trainer);
            trainer.Run();
        }
        using (var model = ProbeModels.ByteModel(seed: 4))
        using (var writer = new TraceWriter(trace))
        {
            var trainer = SftTrainer(model, maxSteps: 6, run, checkpointEvery: 2);
            var recorder = new TrajectoryRecorder(Probe(), writer, "sft", ProbeSchedule.Every(2));
            recorder.Attach(trainer);
            trainer.Run(resume: true);
            Assert.Equal([4], recorder.SkippedSteps);
            Assert.Equal([6], recorder.RecordedSteps);
        }
        var steps = TraceReader.Read(trace).Records.Where(r => r.Topic == "immigration").Select(r => r.Step).ToList();
        Assert.Equal([0, 2, 4, 6], steps);
    }

    [Fact]
    public void RecordNowMeasuresAModelOutsideTraining()
    {
        var trace = Path.Combine(Fixtures.TempDir("recorder-now"), "trace.jsonl");
        using var model = ProbeModels.ByteModel(seed: 5);
        model.train();
        using (var writer = new TraceWriter(trace))
            new TrajectoryRecorder(Probe(), writer, "sft", ProbeSchedule.Every(10)).RecordNow(model, "base", 0);
        Assert.True(model.training);   // mode restored
        var records = TraceReader.Read(trace).Records;
        Assert.Equal(["immigration", "gun-control"], records.Select(r => r.Topic));
        Assert.All(records, r => Assert.Equal(("base", 0, 1), (r.Phase, r.Step, r.N)));
        AssertClose(Probe().Measure(model)["immigration"]!.Value, records[0].Value);
    }

    [Fact]
    public void ATraceSurvivesAKilledRun()
    {
        var dir = Fixtures.TempDir("killed-run");
        var modelDir = ProbeModels.SaveByteModel("killed-run-model");
        var probes = Path.Combine(dir, "probes.jsonl");
        WorldFiles.WriteProbes(probes, WorldProbeQuestions.For());
        var trace = Path.Combine(dir, "trace.jsonl");
        var topics = WorldProbeQuestions.For().Select(p => p.Topic).Distinct().Count();

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        // One compute thread: on a busy machine competing threads make the child's speed erratic.
        start.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "ValueDrift.Cli.dll"), "probe", "--model", modelDir, "--probes", probes,
                     "--judge", "world", "--samples", "5", "--max-new-tokens", "64", "--batch-size", "64", "--out", trace, "--phase", "sft", "--step", "7" })
            start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var reported = new List<string>();
        string? line;
        while (reported.Count < 2 && (line = child.StandardError.ReadLine()) is not null)
            if (line.StartsWith("trace: appended", StringComparison.Ordinal)) reported.Add(line.Split(' ')[^1]);
        var finishedBeforeKill = child.HasExited;
        child.Kill();   // SIGKILL: no chance to flush or clean up
        child.WaitForExit();

        Assert.Equal(2, reported.Count);
        Assert.False(finishedBeforeKill, "the probe finished before it could be killed; the test needs a longer run");
        var read = TraceReader.Read(trace);   // every complete line parses; a torn last line is set aside
        Assert.InRange(read.TornLinesIgnored, 0, 1);
        // The probe samples every topic in one batch and then appends the topics' lines within milliseconds, so the
        // kill can land after the last line and before the process exits; it never lands before the reported lines.
        Assert.InRange(read.Records.Count, reported.Count, topics);
        Assert.All(reported, topic => Assert.Contains(read.Records, r => r.Topic == topic && r.Phase == "sft" && r.Step == 7 && r.N > 0));

        // Reopening the trace cuts a torn tail, and appends continue cleanly after the killed run's lines.
        using (var writer = new TraceWriter(trace))
            writer.Append(new TraceRecord("sft", 8, "immigration", StanceDistribution.Uniform, 1));
        var after = TraceReader.Read(trace);
        Assert.Equal(0, after.TornLinesIgnored);
        Assert.Equal(read.Records.Count + 1, after.Records.Count);
    }
}
