using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Probes;
using ValueDrift.Tests.Support;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Every paid judgement is kept the moment it returns: a <c>probe</c> judged by an endpoint (the loopback stand-in,
/// one request at a time) is SIGKILLed in the middle of a topic, and its rerun asks the endpoint only what the killed
/// run had not been answered (± the one request in flight). Before the fix a topic's readings were stored only once the
/// whole topic was judged, so a kill mid-topic lost every reading of that topic.
/// </summary>
public class KilledProbeTests
{
    [Fact]
    public void A_probe_killed_mid_topic_is_rerun_asking_only_the_unanswered()
    {
        var dir = Fixtures.TempDir("killed-probe");
        var probes = Path.Combine(dir, "probes.jsonl");
        WorldFiles.WriteProbes(probes, WorldProbeQuestions.ForIds(["immigration"]).Take(2).Concat(WorldProbeQuestions.ForIds(["abortion"]).Take(1)).ToList());
        var model = ProbeModels.SaveByteModel("killed-probe-model");
        using var server = new LoopbackJudgeServer((_, _) =>
        {
            Thread.Sleep(60);   // a paid endpoint takes its time
            return JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.0));
        });
        string[] Args(string folder) => ["probe", "--model", model, "--probes", probes, "--judge", $"endpoint:{server.Endpoint},judge",
            "--judge-concurrency", "1", "--samples", "6", "--max-new-tokens", "8", "--seed", "1", "--out", Path.Combine(folder, "trace.jsonl")];
        static int CacheLines(string folder)
        {
            var file = Path.Combine(folder, "judge-cache", JudgementCache.FileName);
            for (var attempt = 0; ; attempt++)   // a writer's lock (flock) refuses a reader's for a moment: retried
                try { return File.Exists(file) ? File.ReadAllLines(file).Count(l => l.Length > 0) : 0; }
                catch (IOException) when (attempt < 100) { Thread.Sleep(5); }
        }

        // The uninterrupted probe: how many distinct answers there are to pay for.
        var straight = Fixtures.TempDir("killed-probe-straight");
        var (code, _, err) = CliRunner.Run(Args(straight));
        Assert.True(code == 0, err);
        int total = server.Requests;
        Assert.Equal(total, CacheLines(straight));
        Assert.True(total >= 12, $"only {total} distinct answers");

        // Killed mid-way through the first topic (12 answers), a few readings in.
        var killed = Fixtures.TempDir("killed-probe-killed");
        int before = server.Requests;
        using (var p = CliProcess.Start(Args(killed)))
        {
            Assert.True(p.WaitUntil(() => server.Requests - before >= 5, TimeSpan.FromMinutes(2)), p.Err);
            p.Kill();
        }
        Thread.Sleep(200);   // the reply to the request in flight, if any, finds no one
        int paid = server.Requests - before;
        int kept = CacheLines(killed);
        Assert.InRange(kept, paid - 1, paid);

        before = server.Requests;
        (code, _, err) = CliRunner.Run(Args(killed));
        Assert.True(code == 0, err);
        int asked = server.Requests - before;
        Assert.Equal(total - kept, asked);
        Assert.Equal(total, CacheLines(killed));
    }
}
