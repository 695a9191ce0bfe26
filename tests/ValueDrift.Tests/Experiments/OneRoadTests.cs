using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>The CLI and a notebook (StageRunner with a trace target) are one road: the same stage gives the same losses and the same trace.</summary>
public class OneRoadTests
{
    [Theory]
    [InlineData("sft")]
    [InlineData("dpo")]
    [InlineData("simpo")]
    public void TheCliAndTheNotebookPathGiveIdenticalLossesAndTrace(string algorithm)
    {
        var model = StageFixtures.TinyModelFolder();
        var data = algorithm == "sft" ? StageFixtures.Conversations() : StageFixtures.TextPairs();
        var probes = StageFixtures.Probes();

        var cliRoot = Fixtures.TempDir("road-cli");
        var cliDir = Path.Combine(cliRoot, "stage");
        var cliTrace = Path.Combine(cliRoot, "trace.jsonl");
        var (code, _, err) = CliRunner.Run("train", algorithm, "--model", model, "--data", data, "--out", cliDir, "--steps", "3", "--batch-size", "4",
            "--lr", "1e-3", "--seed", "2", "--probes", probes, "--judge", "world", "--trace", cliTrace, "--probe-samples", "2", "--probe-max-new-tokens", "6",
            "--probe-every", "2");
        Assert.True(code == 0, err);

        // The notebook road: a Stage with the same settings, run by StageRunner into a trace of the same probe.
        var bookRoot = Fixtures.TempDir("road-book");
        var bookDir = Path.Combine(bookRoot, "stage");
        var bookTrace = Path.Combine(bookRoot, "trace.jsonl");
        Algorithm chosen = algorithm switch { "sft" => new Sft(), "dpo" => new Dpo(), _ => new SimPo() };
        var stage = new Stage
        {
            Name = "stage", Algorithm = chosen, DataPath = data, ProbeEvery = 2,
            Training = new TrainerOptions { MaxSteps = 3, BatchSize = 4, LearningRate = 1e-3, Seed = 2 },
        };
        var tokenizer = TokenizerLoader.FromFolder(model);
        var probe = new GenerationProbe(ProbeSet.Load(probes), tokenizer, ChatTemplate.ForModelFolder(model, tokenizer), new WorldStanceJudge(),
            new GenerationProbeOptions { Samples = 2, MaxNewTokens = 6 });
        using (var writer = new TraceWriter(bookTrace))
            new StageRunner([new TraceTarget(probe, writer)]).Run(stage, model, bookDir);

        Assert.Equal(File.ReadAllLines(Path.Combine(cliDir, "metrics.jsonl")).Select(Loss), File.ReadAllLines(Path.Combine(bookDir, "metrics.jsonl")).Select(Loss));
        var cli = TraceReader.Read(cliTrace).Records;
        var book = TraceReader.Read(bookTrace).Records;
        Assert.Contains(0, cli.Select(r => r.Step));
        Assert.Contains(3, cli.Select(r => r.Step));
        Assert.Equal(cli.Select(r => (r.Step, r.Topic, r.Value.ToArray()[0], r.Value.ToArray()[1], r.Value.ToArray()[2])),
                     book.Select(r => (r.Step, r.Topic, r.Value.ToArray()[0], r.Value.ToArray()[1], r.Value.ToArray()[2])));
        // Both roads recorded the same stage definition.
        string Definition(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, StageManifest.FileName)))!["definition"]!.ToJsonString();
        Assert.Equal(Definition(cliDir), Definition(bookDir));
    }

    private static double Loss(string line) => JsonDocument.Parse(line).RootElement.GetProperty("loss").GetDouble();
}
