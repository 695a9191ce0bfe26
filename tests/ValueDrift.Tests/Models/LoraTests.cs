using System.Text.Json.Nodes;
using TorchSharp;
using ValueDrift.Errors;
using ValueDrift.Models;
using Xunit;
using static TorchSharp.torch;

namespace ValueDrift.Tests.Models;

[Trait("tier", "fast")]
public class LoraTests
{
    private static readonly LoraConfig AllTargets = new() { Rank = 4, Alpha = 8, Targets = LoraConfig.KnownTargets };
    private static readonly long[][] Ids = [[1, 5, 9, 33, 70, 2, 44, 12], [1, 3, 3, 80, 17, 64, 8, 88]];

    private static Tensor Logits(CausalLM m)
    {
        using var ids = tensor(Ids.SelectMany(r => r).ToArray()).view(2, -1);
        using var _ = no_grad();
        bool wasTraining = m.training;
        m.eval();   // LoRA dropout is a training-time draw
        try { return m.Forward(ids); }
        finally { if (wasTraining) m.train(); }
    }

    /// <summary>Gives every B a non-zero value (an adapter "after training"), reproducibly.</summary>
    private static void RandomiseB(CausalLM m, long seed)
    {
        using var g = new torch.Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, p) in m.named_parameters())
            if (name.EndsWith(".lora_B.weight")) p.normal_(0, 0.05, g);
    }

    private static double MaxAbsDiff(Tensor a, Tensor b) { using var d = (a - b).abs().max().to(ScalarType.Float64); return d.item<double>(); }

    [Fact]
    public void FreshAdapterLeavesLogitsExactlyUnchanged()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using var before = Logits(m);
        m.AddLora(AllTargets, seed: 3);
        using var after = Logits(m);
        Assert.Equal(0.0, MaxAbsDiff(before, after));
    }

    [Fact]
    public void AdapterHasPeftShapesInitialisationAndOnlyItIsTrainable()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        var c = m.Config;
        m.AddLora(AllTargets, seed: 3);
        var p = m.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        var a = p["model.layers.1.mlp.down_proj.lora_A.weight"];
        Assert.Equal(new long[] { 4, c.IntermediateSize }, a.shape);
        Assert.Equal(new long[] { c.HiddenSize, 4 }, p["model.layers.1.mlp.down_proj.lora_B.weight"].shape);
        Assert.Equal(new long[] { 4, c.HiddenSize }, p["model.layers.0.self_attn.k_proj.lora_A.weight"].shape);
        Assert.Equal(new long[] { (long)c.NumKeyValueHeads * c.HeadDim, 4 }, p["model.layers.0.self_attn.k_proj.lora_B.weight"].shape);
        // kaiming_uniform_(a=√5) on an (r, in) matrix is U(−1/√in, 1/√in).
        double bound = 1 / Math.Sqrt(c.IntermediateSize);
        Assert.True(a.abs().max().item<float>() <= bound);
        Assert.True(a.abs().max().item<float>() > 0.8 * bound);
        Assert.Equal(0f, p["model.layers.1.mlp.down_proj.lora_B.weight"].abs().max().item<float>());
        var trainable = m.TrainableParameters.ToList();
        Assert.Equal(2 * 7 * c.NumHiddenLayers, trainable.Count);
        Assert.Equal(AllTargets.ParameterCount(c), trainable.Sum(t => t.numel()));
    }

    [Fact]
    public void LoraForwardEqualsMergedForwardAndMergeIsWPlusScaledBA()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        m.AddLora(AllTargets with { Targets = ["q_proj", "v_proj", "o_proj", "up_proj", "down_proj"] }, seed: 5);
        RandomiseB(m, 11);
        var p = m.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        using var expectedQ = p["model.layers.0.self_attn.q_proj.weight"].detach().to(ScalarType.Float64)
            + (8.0 / 4) * p["model.layers.0.self_attn.q_proj.lora_B.weight"].detach().to(ScalarType.Float64)
                .matmul(p["model.layers.0.self_attn.q_proj.lora_A.weight"].detach().to(ScalarType.Float64));
        using var lora = Logits(m);

        var dir = Fixtures.TempDir("lora-merged");
        m.SavePretrained(dir);
        using var merged = CausalLM.FromPretrained(dir);
        Assert.Null(merged.Lora);
        Assert.DoesNotContain(merged.named_parameters(), x => x.name.Contains("lora_"));
        using var mergedLogits = Logits(merged);
        Assert.True(MaxAbsDiff(lora, mergedLogits) < 1e-4, $"merged logits differ by {MaxAbsDiff(lora, mergedLogits)}");
        using var savedQ = merged.named_parameters().First(x => x.name == "model.layers.0.self_attn.q_proj.weight").parameter.detach().to(ScalarType.Float64);
        Assert.True(MaxAbsDiff(savedQ, expectedQ) < 1e-6);
        // The merge changed the model: a plain base forward is measurably different.
        using var b = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        using var baseLogits = Logits(b);
        Assert.True(MaxAbsDiff(baseLogits, lora) > 1e-3);
    }

    [Fact]
    public void DisabledAdapterComputesTheBaseModel()
    {
        using var b = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        using var baseLogits = Logits(b);
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(AllTargets, seed: 1);
        RandomiseB(m, 2);
        using var adapted = Logits(m);
        Assert.True(MaxAbsDiff(adapted, baseLogits) > 1e-3);
        using (m.DisableAdapters())
        {
            using var off = Logits(m);
            Assert.Equal(0.0, MaxAbsDiff(off, baseLogits));
        }
        using var again = Logits(m);
        Assert.Equal(0.0, MaxAbsDiff(again, adapted));
    }

    [Fact]
    public void AdapterRoundTripsAsPeftFolder()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(new LoraConfig { Rank = 2, Alpha = 16, Dropout = 0.05, Targets = ["q_proj", "v_proj", "gate_proj"] }, seed: 7);
        RandomiseB(m, 8);
        using var logits = Logits(m);
        var dir = Fixtures.TempDir("adapter");
        m.SaveAdapter(dir);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
        Assert.Equal(2, (int)config["r"]!);
        Assert.Equal(16.0, (double)config["lora_alpha"]!);
        Assert.Equal(0.05, (double)config["lora_dropout"]!);
        Assert.Equal(["q_proj", "v_proj", "gate_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(Path.GetFullPath(Fixtures.TinyQwen3), (string?)config["base_model_name_or_path"]);

        var file = SafetensorsFile.Open(Path.Combine(dir, "adapter_model.safetensors"));
        Assert.Equal(2 * 3 * m.LayerCount, file.Entries.Count);
        Assert.Equal(new long[] { 2, 64 }, file.Entries["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
        Assert.Equal(new long[] { 96, 2 }, file.Entries["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"].Shape);
        Assert.Contains("base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight", file.Entries.Keys);

        using var back = CausalLM.FromPretrained(dir);   // base taken from adapter_config.json
        Assert.Equal(m.Lora!.Targets, back.Lora!.Targets);
        using var backLogits = Logits(back);
        Assert.Equal(0.0, MaxAbsDiff(logits, backLogits));
    }

    [Fact]
    public void TrainingOnlyTheAdapterChangesOnlyAAndB()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(AllTargets, seed: 4);
        var before = m.named_parameters().ToDictionary(x => x.name, x => x.parameter.detach().clone());
        using var opt = optim.AdamW(m.TrainableParameters, lr: 1e-2);
        using var ids = tensor(Ids.SelectMany(r => r).ToArray()).view(2, -1);
        var losses = new List<float>();
        for (int step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var logits = m.Forward(ids);   // (2, T, V)
            var loss = nn.functional.cross_entropy(logits[.., ..^1].reshape(-1, logits.shape[2]), ids[.., 1..].reshape(-1));
            loss.backward();
            opt.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(losses[^1] < losses[0], $"loss did not fall: {string.Join(", ", losses)}");
        foreach (var (name, p) in m.named_parameters())
        {
            double diff = MaxAbsDiff(p.detach(), before[name]);
            if (LoraLinear.IsAdapterParameter(name)) Assert.True(diff > 0, $"{name} did not change");
            else Assert.True(diff == 0, $"frozen {name} changed by {diff}");
        }
    }

    [Theory]
    [InlineData(0, "q_proj", "r")]
    [InlineData(-2, "q_proj", "r")]
    [InlineData(4, "q_proj,lm_head", "target_modules")]
    [InlineData(4, "qproj", "target_modules")]
    public void BadLoraOptionsAreConfigErrors(int rank, string targets, string field)
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        var e = Assert.Throws<ConfigException>(() => m.AddLora(new LoraConfig { Rank = rank, Targets = LoraConfig.ParseTargets(targets) }, 0));
        Assert.Equal(field, e.Field);
        Assert.Null(m.Lora);   // nothing attached, nothing frozen
        Assert.Equal(m.parameters().Count(), m.TrainableParameters.Count());
    }

    [Fact]
    public void AdapterOfAnotherBaseIsRefusedNamingTheTensor()
    {
        using var llama = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        llama.AddLora(AllTargets, 1);
        var dir = Fixtures.TempDir("llama-adapter");
        llama.SaveAdapter(dir);
        var e = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir, baseDir: Fixtures.TinyQwen3));
        Assert.EndsWith("adapter_model.safetensors", e.File);
        Assert.NotNull(e.Tensor);
        Assert.StartsWith("base_model.model.model.layers.", e.Tensor);
    }

    [Fact]
    public void UnusableAdapterConfigsAreConfigErrorsNamingTheField()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(AllTargets, 1);
        var dir = Fixtures.TempDir("bad-adapter");
        m.SaveAdapter(dir);
        var path = Path.Combine(dir, "adapter_config.json");
        var good = File.ReadAllText(path);
        (string Key, JsonNode? Value, string Field)[] cases =
        [
            ("r", 0, "r"),
            ("peft_type", "PREFIX_TUNING", "peft_type"),
            ("target_modules", new JsonArray("q_proj", "embed_tokens"), "target_modules"),
            ("target_modules", ".*proj", "target_modules"),
            ("bias", "all", "bias"),
            ("base_model_name_or_path", "meta-llama/Llama-3.2-1B", "base_model_name_or_path"),
        ];
        foreach (var (key, value, field) in cases)
        {
            var o = JsonNode.Parse(good)!.AsObject();
            o[key] = value?.DeepClone();
            File.WriteAllText(path, o.ToJsonString());
            var e = Assert.Throws<ConfigException>(() => CausalLM.FromPretrained(dir));
            Assert.Equal(field, e.Field);
            Assert.Equal(path, e.File);
        }
    }

    [Fact]
    public void LoadingIntoAnAttachedAdapterResumesItAndAMismatchIsRefused()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(AllTargets, 1);
        RandomiseB(m, 5);
        using var trained = Logits(m);
        var dir = Fixtures.TempDir("resume-adapter");
        m.SaveAdapter(dir);

        using var resumed = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        resumed.AddLora(AllTargets, 99);   // as a resumed run rebuilds it: other A, B = 0
        resumed.LoadAdapter(dir);
        using var again = Logits(resumed);
        Assert.Equal(0.0, MaxAbsDiff(trained, again));

        using var other = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        other.AddLora(AllTargets with { Rank = 2 }, 1);
        Assert.Equal("r", Assert.Throws<ConfigException>(() => other.LoadAdapter(dir)).Field);
    }

    [Fact]
    public void AForeignAdapterLeavesTheModelUntouched()
    {
        using var llama = CausalLM.FromPretrained(Fixtures.TinyLlama3);
        llama.AddLora(AllTargets, 1);
        var dir = Fixtures.TempDir("foreign-adapter");
        llama.SaveAdapter(dir);
        using var qwen = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        Assert.Throws<CheckpointException>(() => qwen.LoadAdapter(dir));
        Assert.Null(qwen.Lora);
        Assert.DoesNotContain(qwen.named_parameters(), p => LoraLinear.IsAdapterParameter(p.name));
    }

    [Fact]
    public void AdapterDropoutIsAFunctionOfItsSeedAndOffInEval()
    {
        using var m = CausalLM.FromPretrained(Fixtures.TinyQwen3);
        m.AddLora(AllTargets with { Dropout = 0.5 }, 1);
        RandomiseB(m, 3);
        using var ids = tensor(Ids.SelectMany(r => r).ToArray()).view(2, -1);
        Tensor Train(long seed) { m.train(); m.ReseedDropout(seed); using var _ = no_grad(); return m.Forward(ids); }
        using var a = Train(1);
        torch.manual_seed(12345); using var noise = torch.rand(1000);   // the global generator does not matter
        using var b = Train(1);
        using var c = Train(2);
        Assert.Equal(0.0, MaxAbsDiff(a, b));
        Assert.True(MaxAbsDiff(a, c) > 1e-4);
        using var evalLogits = Logits(m);   // eval mode: no dropout
        using var again = Logits(m);
        Assert.Equal(0.0, MaxAbsDiff(evalLogits, again));
        Assert.True(MaxAbsDiff(evalLogits, a) > 1e-4);
    }
}
