using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Experiments;

/// <summary>A stage's generation trace carries answer health on every line and each checkpoint's KL from the stage's start.</summary>
public class StageDivergenceTests
{
    private static readonly GenerationProbeOptions ProbeOptions = new() { Samples = 2, MaxNewTokens = 8 };

    /// <summary>KL estimate from first principles: per answer, Σ over its tokens of log softmax(logits / T) under each model, one unpadded sequence at a time.</summary>
    private static double IndependentKl(GenerationProbe probe, CausalLM policy, CausalLM start, string topic)
    {
        double Sum(CausalLM m, int[] prompt, int[] answer)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            m.eval();
            var ids = prompt.Concat(answer).Select(i => (long)i).ToArray();
            var logp = (m.Forward(tensor(ids, [1, ids.Length])).to(ScalarType.Float64).squeeze(0) / probe.Options.Temperature).log_softmax(-1);
            return Enumerable.Range(prompt.Length, answer.Length).Sum(t => logp[t - 1, ids[t]].item<double>());
        }
        var answers = probe.Sample(policy).Where(a => a.Question.Topic == topic).ToList();
        return answers.GroupBy(a => a.Question.Id).Select(g => g.Average(a =>
        {
            var prompt = probe.PromptIds(a.Question.Question);
            return Sum(policy, prompt, a.TokenIds!) - Sum(start, prompt, a.TokenIds!);
        })).Average();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_line_has_health_and_trained_checkpoints_their_kl_from_the_start(bool lora)
    {
        var model = StageFixtures.TinyModelFolder();
        var root = Fixtures.TempDir("stage-divergence");
        var trace = Path.Combine(root, "trace.jsonl");
        var tokenizer = TokenizerLoader.FromFolder(model);
        var probe = new GenerationProbe(ProbeSet.Load(StageFixtures.Probes()), tokenizer, ChatTemplate.ForModelFolder(model, tokenizer), new WorldStanceJudge(), ProbeOptions);
        Stage Sft(string name) => new()
        {
            Name = name, Algorithm = new Sft(), DataPath = StageFixtures.Conversations(), ProbeEvery = 1,
            Training = new TrainerOptions { MaxSteps = 3, BatchSize = 4, LearningRate = 1e-2, Seed = 2 },
            Policy = lora ? new PolicyOptions { Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0 } } : new PolicyOptions(),
        };
        StageResult first;
        using (var writer = new TraceWriter(trace))
        {
            var runner = new StageRunner([new TraceTarget(probe, writer)]);
            first = runner.Run(Sft("one"), model, Path.Combine(root, "one"));
            runner.Run(Sft("two"), first.FinalCheckpoint, Path.Combine(root, "two"));
        }

        var records = TraceReader.Read(trace).Records;
        Assert.Equal([0, 1, 2, 3], records.Where(r => r.Phase == "one").Select(r => r.Step).Distinct());
        Assert.All(records, r =>
        {
            Assert.NotNull(r.Health);
            Assert.InRange(r.Health!.Unstanced, 0, 1);
            Assert.InRange(r.Health.Ended, 0, 1);
            Assert.True(r.Health.MeanAnswerTokens is > 0 and <= 8);
            Assert.NotNull(r.KlFromStart);
            Assert.All(r.Questions!, q => Assert.NotNull(q.StancedN));
        });
        // A random tiny model rarely writes a world stance marker: its answers are mostly unstanced, and counted so.
        Assert.Contains(records, r => r.Health!.Unstanced > 0);
        // Step 0 is the start: no divergence, measured (stage one: 0 up to float rounding) or reused from stage one's end
        // (stage two: 0 exactly).
        Assert.All(records.Where(r => r.Step == 0), r => Assert.Equal(0.0, r.KlFromStart!.Value, 5));
        Assert.All(records.Where(r => r.Step == 0 && r.Phase == "two"), r => Assert.Equal(0.0, r.KlFromStart));
        Assert.All(records.Where(r => r.Step == 0 && r.Phase == "two"), r => Assert.All(r.Questions!, q => Assert.Equal(0.0, q.KlFromStart)));

        // Stage one's last checkpoint against its start, computed independently from the saved folders.
        using var final = CausalLM.FromPretrained(first.FinalCheckpoint);
        using var start = CausalLM.FromPretrained(model);
        foreach (var topic in new[] { "immigration", "gun-control" })
        {
            var line = records.Single(r => r.Phase == "one" && r.Step == 3 && r.Topic == topic);
            Assert.Equal(IndependentKl(probe, final, start, topic), line.KlFromStart!.Value, 4);
            // Three steps at lr 1e-2 moved the policy; the estimate on a few answers is unbiased, so it may fall below 0.
            Assert.True(Math.Abs(line.KlFromStart!.Value) > 1e-4, $"{topic}: {line.KlFromStart}");
            Assert.NotNull(line.KlFromStartCi);
        }
    }
}
