using TorchSharp;
using TorchSharp.Modules;
using ValueDrift.Errors;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

#pragma warning disable IDE1006 // field names are Hugging Face parameter names

/// <summary>
/// A reward (or value) model: a <see cref="CausalLM"/> backbone and a scalar head <c>score</c> = Linear(hidden, 1, no
/// bias), as in transformers' <c>AutoModelForSequenceClassification(num_labels=1)</c>. The reward of a sequence is the
/// head read on its LAST real token (found from the attention mask); read on every token it gives PPO's per-token
/// values. On disk it is saved in transformers' own form, <c>LlamaForSequenceClassification</c> /
/// <c>Qwen3ForSequenceClassification</c>: config.json with that <c>architectures</c> entry, <c>num_labels: 1</c> and a
/// <c>pad_token_id</c> (transformers reads the reward on the last non-pad token), and one model.safetensors holding
/// the backbone (<c>model.*</c>) and the head <c>score.weight</c> (1, hidden). The untied <c>lm_head.weight</c> is kept
/// in the file too (transformers ignores it), so the folder still loads as a language model. Such a folder —
/// including a public reward model without <c>lm_head</c> — loads with <see cref="FromPretrained"/>, as does the
/// older form (a <c>*ForCausalLM</c> folder plus <see cref="HeadFile"/>).
/// </summary>
public sealed class RewardModel : nn.Module, IRewardFunction
{
    /// <summary>The older form's head file inside a model folder; it holds one tensor, <c>score.weight</c> (1, hidden).</summary>
    public const string HeadFile = "value_head.safetensors";
    /// <summary>The head's tensor name, in transformers' sequence-classification models and in <see cref="HeadFile"/>.</summary>
    public const string HeadTensor = "score.weight";
    private const string LmHead = "lm_head.weight";

    private readonly CausalLM backbone;
    private readonly Linear score;

    public CausalLM Backbone => backbone;
    /// <summary>Right-padding id used by <see cref="Score"/>; never attended to.</summary>
    public int PadId { get; set; }

    private RewardModel(CausalLM backbone, long headSeed) : base(nameof(RewardModel))
    {
        this.backbone = backbone;
        score = nn.Linear(backbone.Config.HiddenSize, 1, hasBias: false);
        // A private generator: reseeding torch's global one would disturb models being built elsewhere at the same time.
        using (var generator = new torch.Generator((ulong)headSeed))
        using (no_grad()) score.weight!.normal_(0.0, 0.02, generator);   // transformers' initializer_range default (nn.init.normal_ ignores its generator)
        score.to(backbone.DType).to(backbone.Device);
        PadId = backbone.Config.PadTokenId ?? 0;
        RegisterComponents();
    }

    /// <summary>Wraps a language model with a fresh head (N(0, 0.02), reproducible from <paramref name="headSeed"/>). The model is not copied.</summary>
    public static RewardModel FromBackbone(CausalLM backbone, long headSeed = 0) => new(backbone, headSeed);

    /// <summary>A fresh backbone and head from a config.</summary>
    public static RewardModel Create(ModelConfig config, long seed) => new(CausalLM.Create(config, seed), HeadSeed(seed));

    /// <summary>The seed of a fresh head in a run with seed <paramref name="runSeed"/>: its own stream, so runs under other seeds start from other heads.</summary>
    public static long HeadSeed(long runSeed) => Common.Seeds.Derive(runSeed, 1);

    /// <summary>
    /// Loads a reward model: a transformers sequence-classification folder (written by <see cref="SavePretrained"/>, or a
    /// public reward model), or the older form (a language-model folder plus <see cref="HeadFile"/>). With
    /// <paramref name="requireHead"/> a folder without a head is a <see cref="CheckpointException"/>; without, a plain
    /// language-model folder gets a fresh head (to start reward-model training from it), drawn from
    /// <paramref name="headSeed"/>.
    /// </summary>
    public static RewardModel FromPretrained(string dir, bool requireHead = true, ScalarType dtype = ScalarType.Float32, Device? device = null, long headSeed = 0)
    {
        if (RewardModelFolder.IsSequenceClassification(dir))
        {
            var config = RewardModelFolder.CheckConfig(dir);
            var model = new RewardModel(new CausalLM(config), 0);
            RewardModelFolder.LoadWeights(dir, model.backbone, model.score.weight!);
            return model.To(dtype, device ?? TorchRuntime.ComputeDevice);
        }
        var backbone = CausalLM.FromPretrained(dir, dtype, device);
        var fresh = new RewardModel(backbone, headSeed);
        if (File.Exists(Path.Combine(dir, HeadFile))) fresh.LoadHead(dir);
        else if (requireHead)
            throw new CheckpointException(Path.Combine(dir, HeadFile), null, "missing: this folder has no reward head (train one with `valuedrift train reward`)");
        return fresh;
    }

    private RewardModel To(ScalarType dtype, Device device)
    {
        backbone.To(dtype, device);
        score.to(dtype).to(device);
        return this;
    }

    /// <summary>An independent copy with the same weights (PPO's value model starts as a copy of the reward model).</summary>
    public RewardModel Copy()
    {
        var copy = new RewardModel(new CausalLM(backbone.Config).To(backbone.DType, backbone.Device), 0) { PadId = PadId };
        using (no_grad())
            foreach (var ((_, to), (_, from)) in copy.named_parameters().Zip(named_parameters())) to.copy_(from);
        return copy;
    }

    /// <summary>Writes the model in transformers' sequence-classification form (see the class remarks), replacing any older form in the folder.</summary>
    public void SavePretrained(string dir)
    {
        Directory.CreateDirectory(dir);
        var tensors = backbone.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Append((HeadTensor, score.weight!)).ToList();
        // One set of weights per folder: drop a previous save's shards, index and separate head.
        foreach (var old in Directory.EnumerateFiles(dir, "model*.safetensors").Append(Path.Combine(dir, Checkpoint.IndexFile)).Append(Path.Combine(dir, HeadFile)))
            if (File.Exists(old)) File.Delete(old);
        using (no_grad()) SafetensorsFile.Write(Path.Combine(dir, Checkpoint.SingleFile), tensors);
        RewardModelFolder.WriteConfig(dir, backbone.Config, PadId, backbone.DType);
    }

    /// <summary>Saves the whole model in its folder form (a checkpoint's extras: the backbone already written there is rewritten with the head).</summary>
    public void SaveHead(string dir) => SavePretrained(dir);

    /// <summary>Reads the head from <paramref name="dir"/> (its model.safetensors, or the older <see cref="HeadFile"/>), checking its tensor name and shape.</summary>
    public void LoadHead(string dir)
    {
        var path = Path.Combine(dir, HeadFile);
        if (!File.Exists(path))
        {
            if (RewardModelFolder.IsSequenceClassification(dir)) { RewardModelFolder.LoadHead(dir, score.weight!); return; }
            throw new CheckpointException(path, null, "missing: the reward/value head is not in this checkpoint");
        }
        var file = Models.SafetensorsFile.Open(path);
        if (!file.Entries.TryGetValue(HeadTensor, out var entry)) throw new CheckpointException(path, HeadTensor, "missing tensor");
        if (!entry.Shape.SequenceEqual(score.weight!.shape))
            throw new CheckpointException(path, HeadTensor, $"shape [{string.Join(", ", entry.Shape)}] does not match [{string.Join(", ", score.weight!.shape)}] (hidden size of config.json)");
        using var t = file.Read(HeadTensor);
        using (no_grad()) score.weight!.copy_(t);
    }

    /// <summary>(B, T) ids → (B, T) float32 head outputs on every position (PPO's values).</summary>
    public Tensor Values(Tensor inputIds, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        var hidden = backbone.Hidden(inputIds, attentionMask);            // (B, T, C)
        return score.forward(hidden).squeeze(-1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (B, T) ids and attention mask → (B) rewards read on each row's last real token. The last position whose mask is
    /// 1 is used, so right padding (and left padding) are both handled.
    /// </summary>
    public Tensor Scores(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long T = inputIds.shape[1];
        var values = Values(inputIds, attentionMask);                               // (B, T)
        var positions = arange(T, device: inputIds.device).unsqueeze(0);             // (1, T)
        var last = (attentionMask.to(ScalarType.Int64) * (positions + 1)).argmax(1, keepdim: true);   // (B, 1)
        return values.gather(1, last).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Rewards of prompt + response sequences (eval mode, no gradients), in batches of 16.</summary>
    public double[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        if (prompts.Count != responses.Count) throw new ArgumentException("one response per prompt");
        var result = new double[prompts.Count];
        bool wasTraining = backbone.training;
        backbone.eval();
        using (no_grad())
            for (int start = 0; start < prompts.Count; start += 16)
            {
                using var scope = NewDisposeScope();
                var rows = Enumerable.Range(start, Math.Min(16, prompts.Count - start)).Select(i => prompts[i].Concat(responses[i]).ToArray()).ToList();
                var (ids, mask) = RightPadded(rows, PadId, backbone.Device);
                var s = Scores(ids, mask).to(ScalarType.Float64).cpu().data<double>().ToArray();
                Array.Copy(s, 0, result, start, s.Length);
            }
        if (wasTraining) backbone.train();
        return result;
    }

    internal static (Tensor Ids, Tensor Mask) RightPadded(IReadOnlyList<int[]> rows, int padId, Device device)
    {
        int T = rows.Max(r => r.Length);
        var ids = new long[rows.Count, T];
        var mask = new long[rows.Count, T];
        for (int b = 0; b < rows.Count; b++)
            for (int t = 0; t < T; t++)
            {
                bool real = t < rows[b].Length;
                ids[b, t] = real ? rows[b][t] : padId;
                mask[b, t] = real ? 1 : 0;
            }
        return (tensor(ids, device: device), tensor(mask, device: device));
    }
}
