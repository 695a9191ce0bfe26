using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Probes;
using ValueDrift.Tests.Experiments;
using ValueDrift.Tests.Support;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// The session API on a Hugging Face checkpoint rather than the world: the tiny Qwen3 with the real Qwen3 tokenizer
/// and chat template, probed by an endpoint judge (a loopback stand-in), one stage per call.
/// </summary>
public class ModelSessionTests
{
    private static Stage Stage(string name, Algorithm algorithm, string data) => new()
    {
        Name = name, Algorithm = algorithm, DataPath = data,
        Training = new TrainerOptions { MaxSteps = 2, BatchSize = 4, LearningRate = 1e-3, Decay = LearningRateDecay.Constant, Seed = 3 },
    };

    private static readonly GenerationProbeOptions Probe = new() { Samples = 2, MaxNewTokens = 6, Seed = 1, BatchSize = 8 };

    [Fact]
    public void Runs_stages_on_a_checkpoint_with_an_endpoint_judge_and_reads_them_back()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var probes = StageFixtures.Probes();
        using var server = new LoopbackJudgeServer((_, _) => JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.0)));
        var judge = $"endpoint:{server.Endpoint},judge";
        var folder = Path.Combine(Fixtures.TempDir("model-session"), "run");

        StageChange sft, dpo;
        using (var session = ModelSession.Start(model, probes, judge, folder, Probe))
        {
            Assert.Equal(["base"], session.Trajectory().Phases);
            sft = session.Run(Stage("sft-chat", new Sft(), StageFixtures.Conversations()));
            dpo = session.Run(Stage("dpo-pairs", new Dpo(), StageFixtures.TextPairs()), from: sft);
            Assert.Equal(["base", "sft-chat", "dpo-pairs"], session.Trajectory().Phases);
            Assert.Equal(["sft-chat", "dpo-pairs"], session.Stages.Select(s => s.Phase));
            Assert.Equal(12, session.DriftTable().Rows.Count);   // 2 stages × 2 topics × 3 stances
        }
        Assert.True(server.Requests > 0);
        Assert.Equal("base", sft.From);
        Assert.Equal("sft-chat", dpo.From);
        Assert.Equal(sft.FinalCheckpoint, dpo.Result.StartedFrom);
        Assert.Equal([0, 1, 2], sft.Trajectory.Records().Select(r => r.Step).Distinct());
        // DPO's step 0 is the SFT checkpoint's last measurement, reused rather than sampled again.
        foreach (var topic in new[] { "immigration", "gun-control" })
            Assert.Equal(sft.Trajectory.Records().Single(r => r.Topic == topic && r.Step == 2).Value.Support,
                         dpo.Trajectory.Records().Single(r => r.Topic == topic && r.Step == 0).Value.Support, 9);
        // The endpoint's readings, as the judge returned them: every distribution is the reply's softmax.
        Assert.All(Trajectory.FromTrace(Path.Combine(folder, "trace.jsonl")).Records(), r => Assert.True(r.Value.Support > r.Value.Neutral && r.Value.Neutral > r.Value.Oppose));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(folder, RecipeRunner.JudgementCacheFolder), "*", SearchOption.AllDirectories));

        // Resumed: the base measurement and the finished stages are read back, and the judge is asked nothing new.
        var asked = server.Requests;
        using (var again = ModelSession.Start(model, probes, judge, folder, Probe, resume: true))
        {
            var back = again.Run(Stage("sft-chat", new Sft(), StageFixtures.Conversations()));
            Assert.True(back.Result.AlreadyComplete);
            Assert.Equal(sft.FinalCheckpoint, back.FinalCheckpoint);
            Assert.Equal(["base", "sft-chat", "dpo-pairs"], again.Trajectory().Phases);
        }
        Assert.Equal(asked, server.Requests);
    }

    [Fact]
    public void A_checkpoint_stage_shows_progress_stops_when_interrupted_resumes_and_fails_as_one_line()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        using var server = new LoopbackJudgeServer((_, _) => JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.0)));
        var lines = new List<string>();
        using var session = ModelSession.Start(model, StageFixtures.Probes(), $"endpoint:{server.Endpoint},judge",
            Path.Combine(Fixtures.TempDir("model-session-progress"), "run"), Probe, logger: LineLogger.To(lines.Add));
        Assert.Contains(lines, l => l.StartsWith("session ready in ", StringComparison.Ordinal));
        var sft = Stage("sft-chat", new Sft(), StageFixtures.Conversations());

        // Cancelled before it starts (what the cell's interrupt does): one step is made, saved and traced, then it stops.
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            var stopped = session.Run(sft, null, cancelled.Token);
            Assert.True(stopped.Interrupted);
            Assert.Contains("interrupted at step 1", stopped.Summary);
            Assert.Empty(session.Stages);
            Assert.Equal([0, 1], session.Trajectory().Series("sft-chat", "immigration").Select(p => p.Step));
            Assert.Contains(lines, l => l.StartsWith("sft-chat: interrupted after", StringComparison.Ordinal));
            Assert.Contains("was interrupted", Assert.Throws<ConfigException>(() => session.Run(Stage("dpo-pairs", new Dpo(), StageFixtures.TextPairs()), stopped)).Message);
        }

        // Run again: it continues from the step it stopped at, each step traced once, and its progress is log lines.
        lines.Clear();
        var done = session.Run(sft);
        Assert.False(done.Interrupted);
        Assert.Contains(lines, l => l.Contains("(resuming)", StringComparison.Ordinal));
        Assert.Equal([0, 1, 2], session.Trajectory().Series("sft-chat", "immigration").Select(p => p.Step));
        Assert.Contains(lines, l => l.StartsWith("sft-chat from base: sft step 2/2 · loss ", StringComparison.Ordinal) && l.Contains("· done in "));
        Assert.Contains(lines, l => l.StartsWith("sft-chat: trained in ", StringComparison.Ordinal));
        Assert.Equal(["sft-chat"], session.Stages.Select(s => s.Phase));

        // A failed stage reads as one line, its progress ends with it, and the cause keeps its stack.
        var missing = Path.Combine(session.Folder.Root, "no-such-file.jsonl");
        var e = Assert.Throws<StageFailedException>(() => session.Run(Stage("dpo-missing", new Dpo(), missing), from: done));
        Assert.DoesNotContain('\n', e.ToString());
        Assert.StartsWith("dpo-missing failed: ", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("no-such-file.jsonl", e.ToString());
        Assert.NotNull(e.InnerException!.StackTrace);
        Assert.Equal(e.Message, lines[^1]);
        Assert.Single(session.Stages);
    }

    [Fact]
    public void Bad_inputs_are_typed_errors_naming_the_path()
    {
        var model = StageFixtures.TinyQwen3WithTokenizer();
        var probes = StageFixtures.Probes();
        var folder = Fixtures.TempDir("model-session-bad");
        var missing = Path.Combine(folder, "no-such-model");
        var e = Assert.Throws<ConfigException>(() => ModelSession.Start(missing, probes, "world", Path.Combine(folder, "a")));
        Assert.Contains("no-such-model", e.Message);
        var notModel = Directory.CreateDirectory(Path.Combine(folder, "empty")).FullName;
        Assert.Contains("config.json", Assert.Throws<ConfigException>(() => ModelSession.Start(notModel, probes, "world", Path.Combine(folder, "b"))).Message);
        var noProbes = Path.Combine(folder, "probes.jsonl");
        Assert.Contains("probes.jsonl", Assert.Throws<DataFormatException>(() => ModelSession.Start(model, noProbes, "world", Path.Combine(folder, "c"))).Message);
        Assert.Throws<ValueDriftException>(() => ModelSession.Start(model, probes, "oracle", Path.Combine(folder, "d")));
    }
}
