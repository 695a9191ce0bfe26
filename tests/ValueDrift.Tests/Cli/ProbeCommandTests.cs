using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Tests.Probes;
using ValueDrift.Text;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class ProbeCommandTests
{
    private static (string Model, string Probes, ProbeSet Set) Setup(string name)
    {
        var dir = Fixtures.TempDir(name);
        var probes = Path.Combine(dir, "probes.jsonl");
        var rows = WorldProbeQuestions.ForIds(["immigration"]).Take(2).Concat(WorldProbeQuestions.ForIds(["abortion"]).Take(1)).ToList();
        WorldFiles.WriteProbes(probes, rows);
        return (ProbeModels.SaveByteModel(name + "-model"), probes, ProbeSet.Load(probes));
    }

    private static void AssertSame(StanceDistribution expected, StanceDistribution actual)
    {
        for (var s = 0; s < 3; s++) Assert.Equal(expected.ToArray()[s], actual.ToArray()[s], 6);
    }

    [Fact]
    public void GenerationProbePrintsATableAndAppendsToTheTrace()
    {
        var (model, probes, set) = Setup("cli-probe");
        var trace = Path.Combine(Fixtures.TempDir("cli-probe-trace"), "trace.jsonl");
        var (code, stdout, stderr) = CliRunner.Run("probe", "--model", model, "--probes", probes, "--judge", "world",
            "--samples", "2", "--max-new-tokens", "8", "--seed", "3", "--out", trace, "--phase", "base", "--step", "0");
        Assert.True(code == 0, stderr);

        var records = TraceReader.Read(trace).Records;
        Assert.Equal(["immigration", "abortion"], records.Select(r => r.Topic));
        Assert.All(records, r => Assert.Equal(("base", 0), (r.Phase, r.Step)));
        Assert.Equal([4, 2], records.Select(r => r.N));
        Assert.Equal(2, records[0].Questions![0].Answers!.Count);

        // The same measurement made with the library on the saved model.
        using var m = CausalLM.FromPretrained(model);
        var expected = new GenerationProbe(set, new ByteTokenizer(), ChatTemplate.ForModelFolder(model, new ByteTokenizer()), new WorldStanceJudge(),
            new GenerationProbeOptions { Samples = 2, MaxNewTokens = 8, Seed = 3 }).Measure(m);
        AssertSame(expected["immigration"]!.Value, records[0].Value);
        AssertSame(expected["abortion"]!.Value, records[1].Value);

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("topic", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("immigration") && l.Contains(records[0].Value.Support.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void LikelihoodMethodScoresWorldReferenceAnswers()
    {
        var (model, probes, set) = Setup("cli-probe-lik");
        var trace = Path.Combine(Fixtures.TempDir("cli-probe-lik-trace"), "trace.jsonl");
        var (code, _, stderr) = CliRunner.Run("probe", "--model", model, "--probes", probes, "--method", "likelihood",
            "--answers-per-stance", "2", "--out", trace);
        Assert.True(code == 0, stderr);
        var records = TraceReader.Read(trace).Records;
        Assert.Equal([2, 1], records.Select(r => r.N));   // N = questions
        Assert.All(records, r => Assert.Equal(("probe", 0), (r.Phase, r.Step)));

        using var m = CausalLM.FromPretrained(model);
        var expected = new LikelihoodProbe(WorldLikelihoodItems.For(set.Questions, 2, 0), new ByteTokenizer(), new PlainChatTemplate()).Measure(m);
        AssertSame(expected["immigration"]!.Value, records[0].Value);
    }

    [Theory]
    [InlineData("--judge", "oracle", "unknown judge 'oracle'")]
    [InlineData("--judge", "endpoint:http://localhost:1", "needs both an endpoint URL and a model name")]
    [InlineData("--model", "no-such-model", "no-such-model")]
    [InlineData("--judge-concurrency", "0", "must be at least 1")]
    [InlineData("--judge-timeout", "-1", "--judge-timeout must be a positive number of seconds")]
    public void BadInputIsAOneLineError(string option, string value, string expected)
    {
        var (model, probes, _) = Setup("cli-probe-bad");
        var args = new List<string> { "probe", "--model", model, "--probes", probes, "--max-new-tokens", "2", "--samples", "1" };
        var at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange([option, value]);
        var (code, _, stderr) = CliRunner.Run([.. args]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public void A_second_identical_probe_asks_the_endpoint_judge_nothing()
    {
        var (model, probes, _) = Setup("cli-probe-cache");
        using var server = new ValueDrift.Tests.Support.LoopbackJudgeServer((_, _) =>
            ValueDrift.Tests.Support.JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.0)));
        var dir = Fixtures.TempDir("cli-probe-cache-run");
        string[] Args(string trace) => ["probe", "--model", model, "--probes", probes, "--judge", $"endpoint:{server.Endpoint},judge",
            "--samples", "2", "--max-new-tokens", "6", "--seed", "1", "--out", Path.Combine(dir, trace)];

        var (code, stdout, stderr) = CliRunner.Run(Args("a.jsonl"));
        Assert.True(code == 0, stderr);
        Assert.Equal(6, server.Requests);   // 3 questions × 2 answers
        Assert.Contains("hit rate 0%", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "judge-cache", "judgements.jsonl")));

        (code, stdout, stderr) = CliRunner.Run(Args("b.jsonl"));
        Assert.True(code == 0, stderr);
        Assert.Equal(6, server.Requests);
        Assert.Contains("6 cached, 0 asked (hit rate 100%)", stdout);
        var a = TraceReader.Read(Path.Combine(dir, "a.jsonl")).Records;
        var b = TraceReader.Read(Path.Combine(dir, "b.jsonl")).Records;
        Assert.Equal(a.Select(r => r.Value.ToArray()), b.Select(r => r.Value.ToArray()));
        Assert.All(b, r => Assert.Equal(r.N, r.Readouts!["logprobs"]));
        double s = Math.Exp(-0.4), n = Math.Exp(-1.2), o = Math.Exp(-2.0);
        Assert.Equal(s / (s + n + o), b[0].Value.Support, 6);   // the wire carries float32 log-probs
    }

    [Fact]
    public void Without_a_judge_a_model_outside_the_world_is_refused()
    {
        var dir = Fixtures.TempDir("cli-probe-nojudge");
        var probes = Path.Combine(dir, "probes.jsonl");
        File.WriteAllText(probes, """{"id": "tax-1", "topic": "taxation", "question": "Should the rich pay more tax?"}""" + "\n");
        var (code, stdout, stderr) = CliRunner.Run("probe", "--model", ProbeModels.SaveByteModel("cli-probe-nojudge-model"), "--probes", probes,
            "--samples", "1", "--max-new-tokens", "2");
        Assert.Equal(2, code);
        Assert.Contains("--judge is required", stderr);
        Assert.Empty(stdout);
        (code, _, stderr) = CliRunner.Run("probe", "--model", ProbeModels.SaveByteModel("cli-probe-nojudge-model2"), "--probes", probes,
            "--judge", "world", "--samples", "1", "--max-new-tokens", "2");
        Assert.Equal(2, code);
        Assert.Contains("reads only the embedded world", stderr);
    }

    [Fact]
    public void A_reply_without_logprobs_is_read_from_text_recorded_and_warned_about()
    {
        var (model, probes, _) = Setup("cli-probe-text");
        using var server = new ValueDrift.Tests.Support.LoopbackJudgeServer((_, _) => ValueDrift.Tests.Support.JudgeServerReply.Text("oppose"));
        var trace = Path.Combine(Fixtures.TempDir("cli-probe-text-run"), "trace.jsonl");
        var (code, _, stderr) = CliRunner.Run("probe", "--model", model, "--probes", probes, "--judge", $"endpoint:{server.Endpoint},judge",
            "--samples", "2", "--max-new-tokens", "4", "--out", trace);
        Assert.True(code == 0, stderr);
        Assert.Contains("returned no label log-probs for 4 answer(s)", stderr);
        var r = TraceReader.Read(trace).Records[0];
        Assert.Equal(4, r.Readouts!["text"]);
        Assert.Equal(0.98, r.Value.Oppose, 12);
    }
}
