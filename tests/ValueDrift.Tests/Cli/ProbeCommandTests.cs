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
        var rows = WorldProbeSet.ForIds(["immigration"]).Take(2).Concat(WorldProbeSet.ForIds(["abortion"]).Take(1)).ToList();
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
}
