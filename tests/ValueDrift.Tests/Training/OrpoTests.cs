using System.Text.Json;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training.Algorithms;
using ValueDrift.Training.Objectives;
using ValueDrift.World;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

/// <summary>
/// ORPO added as one record, one loss and one objective: its loss against numbers computed independently, its
/// per-pair loss in <c>valuedrift rewards</c>, and <c>valuedrift train orpo</c> on the world's preference data.
/// </summary>
public class OrpoTests
{
    /// <summary>
    /// ORPO's loss by its formula in plain double arithmetic, independent of <see cref="OrpoLoss"/>: log odds(y) =
    /// m − log(1 − exp(m)); loss = −m_w − λ·log σ(log odds(y_w) − log odds(y_l)).
    /// </summary>
    private static double ByFormula(double chosenMean, double rejectedMean, double lambda)
    {
        static double LogOdds(double m) => m - Math.Log(1 - Math.Exp(m));
        double z = LogOdds(chosenMean) - LogOdds(rejectedMean);
        return -chosenMean + lambda * Math.Log(1 + Math.Exp(-z));
    }

    /// <remarks>
    /// Expected values computed by hand with Python's math module (log1p/expm1 on either side of −ln 2, then
    /// −m_w − λ·log σ(z)), not with this code: e.g. equal means give log odds 0 and loss −m + λ·ln 2.
    /// </remarks>
    [Theory]
    [Trait("tier", "fast")]
    [InlineData(-0.5, -1.5, 0.1, 0.5170859217146478, 1.6802696706417346)]
    [InlineData(-2.0, -0.3, 0.1, 2.295812453167838, -2.9048121549459873)]
    [InlineData(-0.05, -3.0, 0.1, 0.0502682782922086, 5.919558928114675)]
    [InlineData(-0.001, -0.002, 0.1, 0.04152984275649567, 0.69364730555994)]
    [InlineData(-1.2, -1.2, 0.5, 1.5465735902799727, 0.0)]
    [InlineData(-4.0, -0.9, 0.5, 5.815109067192956, -3.603349996082836)]
    public void LossMatchesHandComputedValues(double chosenMean, double rejectedMean, double lambda, double expectedLoss, double expectedLogOdds)
    {
        using var scope = NewDisposeScope();
        var w = tensor(new[] { chosenMean }, ScalarType.Float64);
        var l = tensor(new[] { rejectedMean }, ScalarType.Float64);
        var output = OrpoLoss.Compute(w, l, lambda);
        Assert.Equal(expectedLoss, output.Losses.item<double>(), 12);
        var logOdds = (w - l) - (OrpoLoss.Log1mExp(w) - OrpoLoss.Log1mExp(l));
        Assert.Equal(expectedLogOdds, logOdds.item<double>(), 12);
        Assert.Equal(lambda * chosenMean, output.ChosenRewards.item<double>(), 15);
        Assert.Equal(lambda * rejectedMean, output.RejectedRewards.item<double>(), 15);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void GradientsStayFiniteOnBothSidesOfTheBranch()
    {
        using var scope = NewDisposeScope();
        // float32, as training computes it: a near-certain answer (m ≈ 0) and a very unlikely one.
        var w = tensor(new[] { -1e-6f, -20f, -0.69f, -0.7f }, requires_grad: true);
        var l = tensor(new[] { -30f, -1e-6f, -0.7f, -0.69f }, requires_grad: true);
        var loss = OrpoLoss.Compute(w, l, 0.1).Losses;
        loss.sum().backward();
        foreach (var g in new[] { w.grad!, l.grad! })
            Assert.All(g.data<float>().ToArray(), v => Assert.True(float.IsFinite(v), $"gradient {v}"));
        Assert.All(loss.data<float>().ToArray(), v => Assert.True(float.IsFinite(v), $"loss {v}"));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void BadLambdaIsRefusedNamingTheOption()
    {
        var e = Assert.Throws<ValueDrift.Errors.ConfigException>(() => new Orpo { Lambda = 0 }.Validate("s", new ValueDrift.Training.TrainerOptions()));
        Assert.Equal("orpo.lambda", e.Field);
        Assert.IsType<Orpo>(AlgorithmRegistry.Find("orpo"));
        Assert.Null(new Orpo().PaperComparisonOrder);   // not one of the paper's methods: the world report's checks stay the paper's
    }

    [Fact]
    [Trait("tier", "fast")]
    public void RewardsPrintsTheOrpoLossOfEveryPair()
    {
        var f = ObjectivesFixture.Load();
        var file = Path.Combine(Fixtures.TempDir("rewards-orpo"), "pairs.jsonl");
        File.WriteAllLines(file, f.Examples.Select(e => JsonSerializer.Serialize(new { prompt_ids = e.Prompt, chosen_ids = e.Chosen, rejected_ids = e.Rejected })));
        foreach (var (args, lambda) in new[] { (Array.Empty<string>(), 0.1), (new[] { "--orpo-lambda", "0.5" }, 0.5) })
        {
            var (code, stdout, stderr) = CliRunner.Run(["rewards", "--policy", Fixtures.TinyQwen3, "--reference", Fixtures.TinyQwen3Reference, "--data", file, "--batch-size", "2", .. args]);
            Assert.True(code == 0, stderr);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(f.Examples.Length, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                // The fixture's token-mean log-probs come from an independent PyTorch computation (tests/fixtures/PROVENANCE.md).
                var e = f.Examples[i];
                double expected = ByFormula(e.ChosenSide.Mean, e.RejectedSide.Mean, lambda);
                double actual = JsonDocument.Parse(lines[i]).RootElement.GetProperty("orpo_loss").GetDouble();
                Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Abs(expected) + 1e-9, $"pair {i} λ {lambda}: {actual} vs {expected}");
            }
        }
    }

    [Fact]
    public void TrainOrpoRunsOnTheWorldsPreferenceData()
    {
        var dataDir = Fixtures.TempDir("orpo-world");
        WorldDatasets.WriteAll(dataDir, WorldOptions.Quick);
        var data = Path.Combine(dataDir, WorldDatasets.FileName(WorldDatasets.SupportAligned));
        var run = Fixtures.TempDir("orpo-run");
        var (code, stdout, stderr) = CliRunner.Run("train", "orpo", "--model", StageFixtures.TinyModelFolder(), "--data", data, "--out", run,
            "--steps", "3", "--batch-size", "4", "--lr", "1e-3", "--max-length", "96", "--orpo-lambda", "0.2");
        Assert.True(code == 0, stderr);
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, metrics.Count);
        foreach (var m in metrics)
        {
            double loss = m.GetProperty("loss").GetDouble();
            // −m_w > 0 and −λ·log σ(·) > 0: every ORPO loss is positive, and finite.
            Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
            Assert.True(m.TryGetProperty("rewards/accuracies", out _));
        }
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "stage.json")));
        var algorithm = manifest.RootElement.GetProperty("definition").GetProperty("algorithm");
        Assert.Equal("orpo", algorithm.GetProperty("name").GetString());
        Assert.Equal(0.2, algorithm.GetProperty("lambda").GetDouble());
        Assert.Contains("\"objective\":\"orpo\"", stdout);
    }
}
