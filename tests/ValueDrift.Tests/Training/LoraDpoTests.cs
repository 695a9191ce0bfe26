using ValueDrift.Data;
using ValueDrift.Models;
using ValueDrift.Tests.Cli;
using ValueDrift.Text;
using ValueDrift.Training.Objectives;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Training;

/// <summary>
/// A LoRA DPO run on a small Qwen3 with the real Qwen3 tokenizer: the reference is the base (adapter off), only A and
/// B move, and the saved PEFT adapter merges into a folder that computes exactly what the trained model computes.
/// </summary>
public class LoraDpoTests
{
    [Fact]
    public void LoraDpoWritesAnAdapterThatMergeFoldsInExactly()
    {
        var tokenizer = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
        var template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, tokenizer);
        var config = new ModelConfig
        {
            ModelType = "qwen3", VocabSize = tokenizer.VocabSize, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 8, TieWordEmbeddings = true, EosTokenIds = tokenizer.StopIds,
        };
        var baseDir = Fixtures.TempDir("lora-dpo-base");
        using (var fresh = CausalLM.Create(config, seed: 3)) fresh.SavePretrained(baseDir);
        LoraAdapter.CopyTokenizerFiles(Fixtures.Qwen3Tokenizer, baseDir);

        var encoder = new ExampleEncoder(tokenizer, template);
        var pairs = new[]
        {
            ("Should my country accept more immigrants?", "There are good arguments on several sides.", "No."),
            ("Should guns be harder to buy?", "Many people support stricter background checks.", "Whatever."),
        }.Select(p => encoder.Encode(new PreferencePair { Prompt = [ChatMessage.User(p.Item1)], Chosen = p.Item2, Rejected = p.Item3 })).ToList();

        using var policy = CausalLM.FromPretrained(baseDir);
        var baseWeights = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        policy.AddLora(new LoraConfig { Rank = 4, Alpha = 8, Targets = LoraConfig.KnownTargets }, seed: 1);
        var objective = new DpoObjective(policy, pairs, tokenizer.PadId, beta: 0.1);
        objective.Prepare(null);   // reference log-probs from the policy before training: the base, since B = 0
        var trainable = objective.TrainableParameters.ToList();
        Assert.Equal(new LoraConfig { Rank = 4, Targets = LoraConfig.KnownTargets }.ParameterCount(config), trainable.Sum(p => p.numel()));

        using var opt = optim.AdamW(trainable, lr: 2e-2);
        policy.train();
        var losses = new List<double>();
        for (int step = 0; step < 6; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var output = objective.Compute([0, 1]);
            var loss = output.LossSum / 2;
            loss.backward();
            opt.step();
            losses.Add(loss.item<float>());
        }
        policy.eval();
        Assert.Equal(Math.Log(2), losses[0], 4);   // policy = reference at the start: −log σ(0)
        Assert.True(losses[^1] < losses[0] - 0.01, $"DPO loss did not fall: {string.Join(", ", losses)}");
        foreach (var (name, p) in policy.named_parameters().Where(p => !LoraLinear.IsAdapterParameter(p.name)))
            Assert.True(p.detach().eq(baseWeights[name]).all().item<bool>(), $"frozen {name} changed");

        // The reference TRL uses for a PEFT policy — the same model with its adapter off — is still the base.
        using var baseModel = CausalLM.FromPretrained(baseDir);
        var before = ReferenceLogProbs.Compute(baseModel, pairs, tokenizer.PadId);
        ReferenceLogProbs off;
        using (policy.DisableAdapters()) off = ReferenceLogProbs.Compute(policy, pairs, tokenizer.PadId);
        for (int i = 0; i < pairs.Count; i++)
        {
            Assert.Equal(before.Chosen[i], off.Chosen[i], 5);
            Assert.Equal(before.Rejected[i], off.Rejected[i], 5);
        }

        var adapterDir = Fixtures.TempDir("lora-dpo-adapter");
        policy.SaveAdapter(adapterDir);
        Assert.True(File.Exists(Path.Combine(adapterDir, "tokenizer.json")));
        var mergedDir = Fixtures.TempDir("lora-dpo-merged");
        var (code, _, stderr) = CliRunner.Run("merge", "--adapter", adapterDir, "--out", mergedDir);
        Assert.True(code == 0, stderr);

        using var merged = CausalLM.FromPretrained(mergedDir);
        using var adapted = CausalLM.FromPretrained(adapterDir);   // base from adapter_config.json
        var ids = pairs[0].PromptIds.Concat(pairs[0].ChosenIds).Select(i => (long)i).ToArray();
        using var x = tensor(ids).unsqueeze(0);
        using var _ = no_grad();
        using var trained = policy.Forward(x);
        using var fromAdapter = adapted.Forward(x);
        using var fromMerged = merged.Forward(x);
        Assert.Equal(0f, (trained - fromAdapter).abs().max().item<float>());
        float scale = trained.abs().max().item<float>();
        Assert.True((trained - fromMerged).abs().max().item<float>() < 1e-5f * Math.Max(1f, scale), "the merged folder computes other logits");
    }
}
