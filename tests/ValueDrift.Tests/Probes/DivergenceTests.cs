using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class DivergenceTests
{
    private static readonly GenerationProbeOptions Options = new() { Samples = 3, MaxNewTokens = 10, BatchSize = 4, Temperature = 0.7 };

    private static GenerationProbe Probe() => new(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(), new TextShapeJudge(), Options);

    /// <summary>Σ over answer tokens of log softmax(logits / T), one unpadded sequence at a time, in float64.</summary>
    private static double Direct(CausalLM model, int[] prompt, int[] answer, double temperature)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var ids = prompt.Concat(answer).Select(i => (long)i).ToArray();
        var logits = model.Forward(tensor(ids, [1, ids.Length])).to(ScalarType.Float64).squeeze(0);   // (L, V)
        var logp = (logits / temperature).log_softmax(-1);
        double sum = 0;
        for (var t = prompt.Length; t < ids.Length; t++) sum += logp[t - 1, ids[t]].item<double>();
        return sum;
    }

    [Fact]
    public void Kl_from_the_start_is_zero_against_itself_and_matches_a_direct_per_token_sum()
    {
        using var theta = ProbeModels.ByteModel(seed: 7);
        using var start = ProbeModels.ByteModel(seed: 8);
        var probe = Probe();

        // Against itself: 0 up to float rounding (the policy's side is recorded while sampling with cached keys and
        // values, the start's scored in one full pass).
        var same = probe.Measure(theta, StartPolicy.Of(theta));
        Assert.All(same.Topics, t => Assert.Equal(0.0, t.KlFromStart!.Value, 5));
        Assert.All(same.Topics.SelectMany(t => t.Questions), q => Assert.Equal(0.0, q.KlFromStart!.Value, 5));

        var result = probe.Measure(theta, StartPolicy.Of(start));
        var answers = probe.Sample(theta);
        foreach (var topic in result.Topics)
        {
            var perQuestion = topic.Questions.Select(q => answers.Where(a => a.Question.Id == q.Id).Average(a =>
            {
                var prompt = probe.PromptIds(a.Question.Question);
                return Direct(theta, prompt, a.TokenIds!, 0.7) - Direct(start, prompt, a.TokenIds!, 0.7);
            })).ToList();
            for (var i = 0; i < perQuestion.Count; i++) Assert.Equal(perQuestion[i], topic.Questions[i].KlFromStart!.Value, 4);
            Assert.Equal(perQuestion.Average(), topic.KlFromStart!.Value, 4);
            Assert.True(Math.Abs(topic.KlFromStart.Value) > 1e-3);   // two different models: the estimate is not 0
        }
        // The measurement itself is the same with or without the start policy.
        Assert.Equal(probe.Measure(theta).Topics.Select(t => t.Value), result.Topics.Select(t => t.Value));

        // The trace line carries it with its interval over questions (immigration has two).
        var line = result.ToTraceRecords("dpo", 4).Single(r => r.Topic == "immigration");
        Assert.Equal(result["immigration"]!.KlFromStart, line.KlFromStart);
        var qs = result["immigration"]!.Questions.Select(q => q.KlFromStart!.Value).ToList();
        Assert.Equal(Bootstrap.MeanInterval(qs), line.KlFromStartCi);
        var back = AnswerHealthTests.RoundTrip(line);
        Assert.Equal(line.KlFromStart, back.KlFromStart);
        Assert.Equal(line.KlFromStartCi, back.KlFromStartCi);
        Assert.Null(result.ToTraceRecords("dpo", 4).Single(r => r.Topic == "gun-control").KlFromStartCi);   // one question: no interval
    }

    /// <summary>The probe's sampled answers from <paramref name="model"/>, each with its question's prompt ids.</summary>
    private static List<(int[], int[])> SampledRows(CausalLM model)
    {
        var probe = Probe();
        return probe.Sample(model).Select(a => (probe.PromptIds(a.Question.Question), a.TokenIds!)).ToList();
    }

    [Fact]
    public void Scoring_a_few_positions_at_a_time_gives_the_same_sums()
    {
        using var model = ProbeModels.ByteModel(seed: 7);
        var rows = SampledRows(model);
        using var _ = no_grad();
        var whole = TemperedLogProbs.Sum(model, rows, 0.7, batchSize: 4, padId: 0);
        // 3 positions of 4 rows × 262 logits per slice: many slices per batch.
        var sliced = TemperedLogProbs.Sum(model, rows, 0.7, batchSize: 4, padId: 0, maxLogitElements: 3 * 4 * 262);
        for (var i = 0; i < rows.Count; i++) Assert.Equal(whole[i], sliced[i], 5);
        var prompt = rows[0].Item1;
        Assert.Equal(Direct(model, prompt, rows[0].Item2, 0.7), whole[0], 4);
    }

    [Fact]
    public void A_token_budget_splits_the_rows_into_smaller_passes_with_the_same_sums()
    {
        using var model = ProbeModels.ByteModel(seed: 7);
        var rows = SampledRows(model);
        using var _ = no_grad();
        var onePass = TemperedLogProbs.Sum(model, rows, 0.7, batchSize: rows.Count, padId: 0, maxBatchTokens: int.MaxValue);
        // A budget below two rows' length: every pass holds one row.
        var longest = rows.Max(r => r.Item1.Length + r.Item2.Length);
        var rowByRow = TemperedLogProbs.Sum(model, rows, 0.7, batchSize: rows.Count, padId: 0, maxBatchTokens: longest + 1);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(onePass[i], rowByRow[i], 4);
            Assert.Equal(Direct(model, rows[i].Item1, rows[i].Item2, 0.7), rowByRow[i], 4);
        }
    }

    [Fact]
    public void A_lora_policy_with_its_adapters_off_is_its_start()
    {
        using var model = ProbeModels.ByteModel(seed: 7);
        model.AddLora(new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0 }, seed: 1);
        var probe = Probe();
        // A fresh adapter changes nothing (B = 0): the policy is still its start.
        Assert.All(probe.Measure(model, StartPolicy.AdaptersOff()).Topics, t => Assert.Equal(0.0, t.KlFromStart!.Value, 5));
        using (no_grad())
            foreach (var p in model.parameters().Where(p => p.requires_grad)) p.add_(randn_like(p) * 0.5);
        using var start = ProbeModels.ByteModel(seed: 7);
        var off = probe.Measure(model, StartPolicy.AdaptersOff());
        var copy = probe.Measure(model, StartPolicy.Of(start));
        foreach (var (c, o) in copy.Topics.Zip(off.Topics)) Assert.Equal(c.KlFromStart!.Value, o.KlFromStart!.Value, 6);
        Assert.All(off.Topics, t => Assert.True(Math.Abs(t.KlFromStart!.Value) > 1e-4));
    }
}
