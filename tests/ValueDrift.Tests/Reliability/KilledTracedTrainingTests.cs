using ValueDrift.Drift;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// <c>train --trace</c> SIGKILLed three times, each time after it had measured steps past its newest checkpoint, and
/// resumed: the trace ends with no (phase, step, topic) twice and equal, record for record, to an uninterrupted
/// run's. Before the fix the resumed runs appended those steps again (36 records against 12 after 14 kills).
/// </summary>
public class KilledTracedTrainingTests
{
    private const int Steps = 30;

    private static string[] Args(string model, string data, string probes, string outDir, string trace) =>
        ["train", "sft", "--model", model, "--data", data, "--out", outDir, "--steps", Steps.ToString(), "--batch-size", "4",
         "--lr", "1e-3", "--seed", "2", "--checkpoint-every", "4", "--probes", probes, "--judge", "world", "--trace", trace,
         "--probe-samples", "2", "--probe-max-new-tokens", "6", "--probe-every", "1"];

    private static IReadOnlyList<TraceRecord> Records(string trace) => File.Exists(trace) ? TraceReader.Read(trace).Records : [];

    private static int RawLines(string trace) => File.Exists(trace) ? File.ReadAllLines(trace).Count(l => l.Length > 0) : 0;

    [Fact]
    public void Three_kills_and_resumes_leave_no_duplicate_record()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.Conversations();
        var probes = StageFixtures.Probes();

        var straight = Fixtures.TempDir("killed-trace-straight");
        var straightTrace = Path.Combine(straight, "trace.jsonl");
        using (var p = CliProcess.Start(Args(model, data, probes, Path.Combine(straight, "sft"), straightTrace)))
            Assert.True(p.Wait(TimeSpan.FromMinutes(4)) == 0, p.Err);
        var expected = Records(straightTrace);

        var killed = Fixtures.TempDir("killed-trace-killed");
        var stage = Path.Combine(killed, "sft");
        var trace = Path.Combine(killed, "trace.jsonl");
        int kills = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var p = CliProcess.Start(Args(model, data, probes, stage, trace));
            // Kill once the trace holds a step after the newest checkpoint: the records a resume must not repeat.
            bool pastCheckpoint() => Records(trace).Any(r => r.Step > (TrainingCheckpoint.Latest(stage)?.Step ?? -1) + 1);
            if (!p.WaitUntil(pastCheckpoint, TimeSpan.FromMinutes(2)) || p.HasExited) break;
            p.Kill();
            kills++;
        }
        using (var p = CliProcess.Start(Args(model, data, probes, stage, trace)))
            Assert.True(p.Wait(TimeSpan.FromMinutes(4)) == 0, p.Err);

        Assert.Equal(3, kills);
        Assert.Equal(RawLines(trace), Records(trace).Count);   // no (phase, step, topic) twice in the file itself
        Assert.Equal(expected.Select(Key).Order(), Records(trace).Select(Key).Order());
        var byKey = Records(trace).ToDictionary(r => (r.Phase, r.Step, r.Topic));
        foreach (var r in expected) Assert.Equal(r.Value.ToArray(), byKey[(r.Phase, r.Step, r.Topic)].Value.ToArray());
    }

    private static string Key(TraceRecord r) => $"{r.Phase}/{r.Step:D4}/{r.Topic}";
}
