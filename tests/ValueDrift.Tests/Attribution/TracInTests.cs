using ValueDrift.Attribution;
using ValueDrift.Data;
using ValueDrift.Probes;
using ValueDrift.Tests.Probes;
using ValueDrift.Text;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Attribution;

[Trait("tier", "fast")]
public class TracInTests
{
    [Fact]
    public void ScoreIsMinusLearningRateTimesTheDotProductSummedOverCheckpoints()
    {
        float[][] g1 = [[1, 2], [0, -1]];
        float[][] g2 = [[3, 0], [1, 1]];
        var scores = TracIn.Scores([new TracIn.Term(0.1, g1, [2, 1]), new TracIn.Term(0.01, g2, [-1, 4])]);
        // example 0: −0.1·(2 + 2) − 0.01·(−3 + 0) = −0.37; example 1: −0.1·(0 − 1) − 0.01·(−1 + 4) = 0.07
        Assert.Equal(-0.37, scores[0], 12);
        Assert.Equal(0.07, scores[1], 12);
    }

    [Fact]
    public void UnitExampleGradientsDivideEachDotProductByTheExamplesNorm()
    {
        float[][] g = [[3, 4], [0, -2]];
        var scores = TracIn.Scores([new TracIn.Term(0.1, g, [2, 1])], unitExamples: true);
        Assert.Equal(-0.1 * 10 / 5, scores[0], 12);     // ⟨(3,4),(2,1)⟩ = 10, ‖(3,4)‖ = 5
        Assert.Equal(-0.1 * -2 / 2, scores[1], 12);
    }

    /// <summary>Mean NLL of the completion from the logits by hand (log-softmax and gather), independent of the objective's code.</summary>
    private static Tensor HandLoss(ValueDrift.Models.CausalLM model, TokenizedExample e)
    {
        var ids = e.PromptIds.Concat(e.CompletionIds).Select(i => (long)i).ToArray();
        var logp = model.Forward(tensor(ids).unsqueeze(0))[0].log_softmax(-1);     // (T, V)
        Tensor total = zeros(1);
        for (int t = e.PromptIds.Length; t < ids.Length; t++) total = total - logp[t - 1, ids[t]];
        return total / e.CompletionIds.Length;
    }

    [Fact]
    public void TwoExamplesOneCheckpointEqualTheLearningRateWeightedDotProductComputedDirectly()
    {
        using var model = ProbeModels.ByteModel(seed: 21);
        var tok = new ByteTokenizer();
        var template = new PlainChatTemplate();
        TokenizedExample Ex(string q, string a) => new(tok.Encode(template.FormatPrompt([ChatMessage.User(q)])), tok.Encode(template.FormatCompletion(a)));
        var examples = new List<TokenizedExample> { Ex("More immigrants?", "It depends."), Ex("Open borders?", "I oppose it.") };
        var objective = new SftObjective(model, examples, tok.PadId);
        var score = new StanceScore(AttributionModels.Probe(), "immigration", Stance.Neutral);
        var all = GradientRestriction.All;
        var identity = new GradientSketch(model.parameters().Sum(p => p.numel()), 0, 0);

        const double lr = 0.002;
        var scores = TracIn.Scores([new TracIn.Term(lr, ExampleGradients.Of(objective, all, identity), ExampleGradients.Of(score, model, all, identity))]);

        AttributionModels.ZeroGrads(model);
        score.Compute(model).backward();
        var s = AttributionModels.Grads(model.parameters());
        for (int i = 0; i < 2; i++)
        {
            AttributionModels.ZeroGrads(model);
            HandLoss(model, examples[i]).backward();
            var g = AttributionModels.Grads(model.parameters());
            double expected = -lr * g.Zip(s).Sum(p => p.First * p.Second);
            Assert.True(Math.Abs(scores[i] - expected) <= 1e-4 * Math.Abs(expected) + 1e-9, $"example {i}: {scores[i]} vs {expected}");
        }
        Assert.NotEqual(scores[0], scores[1]);
    }

    [Fact]
    public void TheScoreOfAnExamplePredictsTheStanceScoresChangeAfterAnSgdStepOnIt()
    {
        using var model = ProbeModels.ByteModel(seed: 23);
        var tok = new ByteTokenizer();
        var template = new PlainChatTemplate();
        var examples = new List<TokenizedExample>
        {
            new(tok.Encode(template.FormatPrompt([ChatMessage.User("More immigrants?")])), tok.Encode(template.FormatCompletion("It depends."))),
        };
        var objective = new SftObjective(model, examples, tok.PadId);
        var score = new StanceScore(AttributionModels.Probe(), "immigration", Stance.Neutral);
        var identity = new GradientSketch(model.parameters().Sum(p => p.numel()), 0, 0);
        const double lr = 1e-3;
        var g = ExampleGradients.Of(objective, GradientRestriction.All, identity)[0];
        double predicted = TracIn.Scores([new TracIn.Term(lr, [g], ExampleGradients.Of(score, model, GradientRestriction.All, identity))])[0];

        double before = score.Value(model);
        using (no_grad())
        {
            long at = 0;
            foreach (var p in model.parameters())
            {
                var n = p.numel();
                p.sub_(tensor(g.AsSpan((int)at, (int)n).ToArray()).reshape(p.shape) * lr);
                at += n;
            }
        }
        double actual = score.Value(model) - before;
        Assert.True(Math.Abs(predicted) > 1e-6, $"prediction too small to test: {predicted}");
        Assert.True(Math.Abs(actual - predicted) <= 0.1 * Math.Abs(predicted), $"predicted {predicted}, actual {actual}");
    }

    [Fact]
    public void TheRestrictionIsTheLastLayerTheFinalNormAndTheTiedHead()
    {
        using var model = ProbeModels.ByteModel();
        var names = GradientRestriction.Default.Select(model).Select(p => p.Name).ToList();
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("model.embed_tokens.weight", names);   // tied: the head
        Assert.All(names.Where(n => n.StartsWith("model.layers.")), n => Assert.StartsWith("model.layers.1.", n));
        Assert.Contains(names, n => n.StartsWith("model.layers.1.mlp."));
        // Tiny config: hidden 32, intermediate 64, 4 heads of 8, 2 KV heads, vocab 262.
        long layer = 32 * 32 + 32 * 16 + 32 * 16 + 32 * 32 + 3 * 32 * 64 + 2 * 32;
        Assert.Equal(layer + 32 + 262 * 32, GradientRestriction.Default.Select(model).Sum(p => p.Parameter.numel()));
    }

    [Fact]
    public void FocusFreezesTheRestAndRestoresEveryFlag()
    {
        using var model = ProbeModels.ByteModel();
        using (GradientRestriction.Default.Focus(model))
            Assert.Equal(GradientRestriction.Default.Select(model).Count, model.parameters().Count(p => p.requires_grad));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void SketchIsASignedBucketSumAndKeepsInnerProductsApproximately()
    {
        var sketch = new GradientSketch(20000, 4096, 3);
        var unit = new float[20000];
        unit[123] = 2;
        var p = sketch.Project(tensor(unit));
        Assert.Single(p, x => x != 0);
        Assert.Equal(2, Math.Abs(p.Single(x => x != 0)));
        Assert.Equal(p, new GradientSketch(20000, 4096, 3).Project(tensor(unit)));   // seeded

        var rng = new Random(1);
        var a = Enumerable.Range(0, 20000).Select(_ => (float)rng.NextDouble() - 0.3f).ToArray();
        var b = Enumerable.Range(0, 20000).Select(_ => (float)rng.NextDouble() - 0.3f).ToArray();
        double exact = TracIn.Dot(a, b), sketched = TracIn.Dot(sketch.Project(tensor(a)), sketch.Project(tensor(b)));
        double bound = 4 * Math.Sqrt(TracIn.Dot(a, a) * TracIn.Dot(b, b) / 4096);   // four standard errors
        Assert.True(Math.Abs(sketched - exact) < bound, $"{sketched} vs {exact} (bound {bound})");
        Assert.Equal(a, new GradientSketch(20000, 0, 0).Project(tensor(a)));
    }

    [Fact]
    public void PreferencePairsGetTheGradientOfTheirOwnLoss()
    {
        using var model = ValueDrift.Models.CausalLM.Create(ValueDrift.Tests.Training.TrainingData.TinyConfig(), 4);
        var pairs = ValueDrift.Tests.Training.TrainingData.Preferences(3);
        var objective = new SimPoObjective(model, pairs, 0, beta: 2.0, gamma: 1.0);
        var all = GradientRestriction.All;
        var sketch = new GradientSketch(model.parameters().Sum(p => p.numel()), 0, 0);
        var grads = ExampleGradients.Of(objective, all, sketch);
        Assert.Equal(3, grads.Length);
        // The batch-of-three loss is the mean of the pairs' losses, so its gradient is the mean of theirs.
        AttributionModels.ZeroGrads(model);
        (objective.Compute([0, 1, 2]).LossSum / 3).backward();
        var batch = AttributionModels.Grads(model.parameters());
        for (int j = 0; j < batch.Length; j += 97)
            Assert.Equal(batch[j], (grads[0][j] + grads[1][j] + grads[2][j]) / 3.0, 5);
        Assert.True(TracIn.Dot(grads[0], grads[0]) > 0);
    }

    [Fact]
    public void PrecisionAtKCountsTheStanceAgainstItsBaseRate()
    {
        string?[] labels = ["neutral", "support", null, "neutral", "oppose", "neutral", "neutral", "support"];
        var p = TopKPrecision.Of([0, 3, 4, 7], labels, "neutral");
        Assert.Equal(0.5, p.Precision, 12);
        Assert.Equal(2, p.Matching);   // of the top 4, not of the whole dataset (which holds 4 'neutral')
        Assert.Equal(0.5, p.BaseRate, 12);
        Assert.Equal(1.0, p.Lift, 12);
        Assert.Equal(1.0, TopKPrecision.Of([5, 6], labels, "neutral").Precision, 12);
        Assert.Equal(0, TopKPrecision.Of([1, 2], labels, "neutral").Matching);
        ExampleLabel[] onTopic = [new("immigration", "neutral"), new("abortion", "neutral"), new(null, null), new("immigration", "support")];
        var q = TopKPrecision.Of([0, 1], onTopic, "immigration", "neutral");
        Assert.Equal(0.5, q.Precision, 12);
        Assert.Equal(0.25, q.BaseRate, 12);
    }
}
