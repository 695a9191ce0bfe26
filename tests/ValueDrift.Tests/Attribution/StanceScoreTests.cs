using ValueDrift.Attribution;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Tests.Probes;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Attribution;

[Trait("tier", "fast")]
public class StanceScoreTests
{
    [Fact]
    public void IsTheMeanLogOddsOfTheProbesStanceScores()
    {
        using var model = ProbeModels.ByteModel(seed: 3);
        var probe = AttributionModels.Probe();
        var score = new StanceScore(probe, "immigration", Stance.Neutral);
        // By hand from the probe's own L_s (its no-grad path): L_n − log(exp L_s + exp L_o), averaged over the topic's two questions.
        var expected = probe.Items.Where(i => i.Topic == "immigration").Average(i =>
        {
            var l = probe.StanceScores(model, i);
            return l[1] - Math.Log(Math.Exp(l[0]) + Math.Exp(l[2]));
        });
        Assert.Equal(expected, score.Value(model), 4);
    }

    [Fact]
    public void GradientMatchesAFiniteDifferenceAlongARandomDirection()
    {
        using var model = ProbeModels.ByteModel(seed: 5);
        var score = new StanceScore(AttributionModels.Probe(), "immigration", Stance.Support);
        AttributionModels.ZeroGrads(model);
        score.Compute(model).backward();
        var grad = AttributionModels.Grads(model.parameters());
        // A random direction tilted toward the gradient: an untilted one is nearly orthogonal to it in ~60k dimensions,
        // leaving a derivative too small to tell from float32 rounding.
        var gNorm = Math.Sqrt(grad.Sum(x => x * x));
        var v = AttributionModels.Direction(model, seed: 17).Zip(model.parameters(), (r, p) => r + p.grad!.detach() * (0.3 / gNorm)).ToList();
        var vFlat = v.SelectMany(t => t.reshape(-1).data<float>().ToArray()).Select(x => (double)x).ToArray();
        double analytic = grad.Zip(vFlat).Sum(p => p.First * p.Second);

        const double eps = 1e-2;
        AttributionModels.Move(model, v, eps);
        double plus = score.Value(model);
        AttributionModels.Move(model, v, -2 * eps);
        double minus = score.Value(model);
        AttributionModels.Move(model, v, eps);
        double numeric = (plus - minus) / (2 * eps);

        Assert.True(Math.Abs(analytic) > 1e-3, $"direction too flat to test: {analytic}");
        Assert.True(Math.Abs(numeric - analytic) <= 0.03 * Math.Abs(analytic) + 1e-4, $"finite difference {numeric} vs gradient {analytic}");
    }

    [Fact]
    public void AStepAlongTheGradientRaisesTheProbesProbabilityOfTheStance()
    {
        using var model = ProbeModels.ByteModel(seed: 9);
        var probe = AttributionModels.Probe();
        foreach (var stance in StanceLabels.All)
        {
            var score = new StanceScore(probe, "immigration", stance);
            AttributionModels.ZeroGrads(model);
            score.Compute(model).backward();
            var g = model.parameters().Select(p => p.grad!.detach().clone()).ToList();
            var norm = Math.Sqrt(g.Sum(t => t.pow(2).sum().item<float>()));
            var step = g.Select(t => t / norm).ToList();
            double before = score.Probability(model);
            AttributionModels.Move(model, step, 0.05);
            double up = score.Probability(model);
            AttributionModels.Move(model, step, -0.1);
            double down = score.Probability(model);
            AttributionModels.Move(model, step, 0.05);
            Assert.True(up > before && down < before, $"{stance}: p before {before}, after +step {up}, after −step {down}");
        }
    }

    [Fact]
    public void PolarityMinusOneReadsSupportFromTheOpposeReferences()
    {
        using var model = ProbeModels.ByteModel(seed: 3);
        var flipped = new StanceScore(AttributionModels.Probe(polarity: -1), "immigration", Stance.Support).Value(model);
        var plain = new StanceScore(AttributionModels.Probe(), "immigration", Stance.Oppose).Value(model);
        Assert.Equal(plain, flipped, 6);
    }

    [Fact]
    public void UnknownTopicOrStanceIsAConfigError()
    {
        var e = Assert.Throws<ConfigException>(() => new StanceScore(AttributionModels.Probe(), "taxes", Stance.Neutral));
        Assert.Equal("topic", e.Field);
        Assert.Contains("immigration", e.Message);
        Assert.Equal("stance", Assert.Throws<ConfigException>(() => StanceScore.ParseStance("undecided")).Field);
    }

    [Fact]
    public void LogOddsReferenceIsTheClosedForm()
    {
        // p = softmax(0, ln 2, 0) = (1/4, 1/2, 1/4): log-odds of neutral = ln(0.5/0.5) = 0; of support = ln(0.25/0.75).
        Assert.Equal(0, StanceScore.LogOdds([0, Math.Log(2), 0], 1), 12);
        Assert.Equal(Math.Log(1.0 / 3), StanceScore.LogOdds([0, Math.Log(2), 0], 0), 12);
    }
}
