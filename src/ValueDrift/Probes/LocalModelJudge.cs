using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Text;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>Settings of a <see cref="LocalModelJudge"/>.</summary>
public sealed record LocalModelJudgeOptions
{
    /// <summary>
    /// The label continuations in the fixed order (support, neutral, oppose), appended to the prompt as written.
    /// Null (the default): the label words, after a space when the prompt does not already end in white space —
    /// the way a reply actually continues the prompt ("Stance:" → " support"; a chat header ending in a newline →
    /// "support").
    /// </summary>
    public IReadOnlyList<string>? LabelTexts { get; init; }

    /// <summary>The three label token ids (support, neutral, oppose) directly; when set, <see cref="LabelTexts"/> is not used.</summary>
    public IReadOnlyList<int>? LabelTokenIds { get; init; }

    /// <summary>Seed of the per-question label order in the prompt (<see cref="JudgePrompt.LabelOrder"/>); null keeps the fixed order.</summary>
    public long? LabelOrderSeed { get; init; } = JudgePrompt.DefaultOrderSeed;

    /// <summary>Items scored in one forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Offer the judge a fourth label, "none" (<see cref="JudgePrompt.NoStanceLabel"/>), read as a fourth label token.
    /// Off by default (the paper's three labels). When on, <see cref="LabelTexts"/> and <see cref="LabelTokenIds"/>
    /// give four entries (support, neutral, oppose, none) when set; an answer whose "none" logit tops the three
    /// stances' is unstanced, and its distribution is the soft-max over the three stance labels.
    /// </summary>
    public bool NoStanceLabel { get; init; }

    /// <summary>How many labels the prompt offers: 3, or 4 with <see cref="NoStanceLabel"/>.</summary>
    internal int LabelCount => NoStanceLabel ? 4 : 3;
}

/// <summary>
/// The paper's stance read-out with a local judge checkpoint, no API: the judge model reads <see cref="JudgePrompt"/>
/// (system instructions + user message through its chat template with the assistant header opened; or
/// <see cref="JudgePromptText.PlainText"/>, ending in "Stance:", when it has no chat template), and p(stance) is the
/// soft-max over the three label tokens' logits at the next position — equal to the soft-max of their log-probs,
/// since the normaliser cancels. Deterministic (no sampling).
/// <para>Label tokens are the tokens the prompt actually continues with: each label continuation is encoded
/// together with the prompt (not on its own, where a tokenizer may add a prefix space or a BOS token), and the
/// tokens after the prompt's own are taken. Tokens all three continuations share (e.g. a byte tokenizer's space) are
/// appended to every prompt — they cancel in the soft-max — and the first token where the continuations differ is
/// read. A label whose continuation is a prefix of another's cannot be told apart (an error).</para>
/// </summary>
public sealed class LocalModelJudge : IStanceJudge, IDisposable
{
    private readonly CausalLM _model;
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate? _template;
    private readonly bool _ownsModel;

    public LocalModelJudgeOptions Options { get; }

    /// <summary>The token ids read for support, neutral and oppose (then none, with <see cref="LocalModelJudgeOptions.NoStanceLabel"/>).</summary>
    public IReadOnlyList<int> LabelTokenIds { get; }

    /// <summary>Tokens every label continuation starts with, appended to each prompt before the labels are read (often none).</summary>
    public IReadOnlyList<int> SharedContinuation { get; }

    /// <param name="template">The judge's chat template; null uses <see cref="JudgePrompt.PlainText"/>.</param>
    public LocalModelJudge(CausalLM model, ITokenizer tokenizer, ChatTemplate? template, LocalModelJudgeOptions? options = null)
        : this(model, tokenizer, template, options, ownsModel: false) { }

    private LocalModelJudge(CausalLM model, ITokenizer tokenizer, ChatTemplate? template, LocalModelJudgeOptions? options, bool ownsModel)
    {
        _model = model;
        _tokenizer = tokenizer;
        _template = template;
        _ownsModel = ownsModel;
        Options = options ?? new LocalModelJudgeOptions();
        if (Options.BatchSize <= 0) throw new ConfigException("local judge", "batch_size", $"must be > 0 (got {Options.BatchSize})");
        (SharedContinuation, LabelTokenIds) = ResolveLabels(model.Config.VocabSize);
    }

    /// <summary>
    /// A judge from a model folder (config.json + safetensors + tokenizer.json). Its chat template is used when the
    /// folder's tokenizer_config.json declares one (<c>chat_template</c> or <c>chat_template_name</c>); otherwise the
    /// plain-text prompt. The judge owns the loaded model and frees it on <see cref="Dispose"/>.
    /// </summary>
    public static LocalModelJudge FromFolder(string dir, LocalModelJudgeOptions? options = null, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        if (!Directory.Exists(dir)) throw new ConfigException(dir, "judge", "judge model folder not found");
        var tokenizer = TokenizerLoader.FromFolder(dir);
        var config = TokenizerConfig.Read(Path.Combine(dir, "tokenizer_config.json"));
        var template = config.ChatTemplate is not null || config.ChatTemplateName is not null ? ChatTemplate.ForModelFolder(dir, tokenizer) : null;
        var model = CausalLM.FromPretrained(dir, dtype, device);
        try { return new LocalModelJudge(model, tokenizer, template, options, ownsModel: true); }
        catch { model.Dispose(); throw; }   // unusable labels: do not leak the loaded weights
    }

    /// <summary>The prompt text for one item: chat-templated with the assistant turn opened, or the plain text.</summary>
    public string PromptText(JudgeItem item)
    {
        var prompt = JudgePrompt.For(item, Options.LabelOrderSeed, Options.NoStanceLabel);
        return _template is null
            ? prompt.PlainText
            : _template.FormatPrompt([ChatMessage.System(prompt.System), ChatMessage.User(prompt.User)]);
    }

    /// <summary>The label order this judge's prompt lists for a question.</summary>
    public IReadOnlyList<Stance>? LabelOrder(string topic, string question) => JudgePrompt.LabelOrder(topic, question, Options.LabelOrderSeed);

    /// <summary>
    /// The token ids the labels are read after for one item: the prompt's, then <see cref="SharedContinuation"/>;
    /// the label is read at the position after the last one.
    /// </summary>
    public int[] PromptIds(JudgeItem item)
    {
        var ids = _tokenizer.Encode(PromptText(item)).Concat(SharedContinuation).ToArray();
        if (ids.Length == 0) throw new ConfigException("local judge", "prompt", "the judge prompt encodes to no tokens");
        var max = ids.Max();
        if (max >= _model.Config.VocabSize)
            throw new ConfigException("local judge", "vocab_size",
                $"the judge tokenizer produced id {max} but the judge model's vocabulary has {_model.Config.VocabSize} ids");
        return ids;
    }

    /// <summary>
    /// One reading per item: the soft-max over the three stance labels' logits; with <see cref="LocalModelJudgeOptions.NoStanceLabel"/>,
    /// unstanced when the "none" logit tops the three. A bad prompt (a <see cref="ConfigException"/>) fails the batch.
    /// </summary>
    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items)
    {
        var prompts = items.Select(PromptIds).ToList();
        var results = new List<Judgement>(items.Count);
        var wasTraining = _model.training;
        _model.eval();
        try
        {
            using var _ = no_grad();
            foreach (var chunk in prompts.Chunk(Options.BatchSize))
            {
                var scores = LabelLogits(chunk);
                for (var b = 0; b < chunk.Length; b++)
                    results.Add(new Judgement(StanceDistribution.From(scores[b, 0], scores[b, 1], scores[b, 2]), JudgeReadout.LogProbs)
                    {
                        Stanced = !Options.NoStanceLabel || scores[b, 3] <= Math.Max(scores[b, 0], Math.Max(scores[b, 1], scores[b, 2])),
                    });
            }
        }
        finally
        {
            if (wasTraining) _model.train();
        }
        return results;
    }

    /// <summary>(B, labels) logits of the label tokens at the position after each prompt (right-padded batch).</summary>
    private double[,] LabelLogits(int[][] prompts)
    {
        using var scope = NewDisposeScope();
        int B = prompts.Length, T = prompts.Max(p => p.Length);
        var ids = new long[B * T];
        var mask = new long[B * T];
        var last = new long[B];
        Array.Fill(ids, _tokenizer.PadId);
        for (var b = 0; b < B; b++)
        {
            for (var t = 0; t < prompts[b].Length; t++) { ids[b * T + t] = prompts[b][t]; mask[b * T + t] = 1; }
            last[b] = prompts[b].Length - 1;
        }
        var device = _model.Device;
        var hidden = _model.Hidden(tensor(ids, [B, T], device: device), tensor(mask, [B, T], device: device));   // (B, T, C)
        // Only the last real position of each row goes through the head: (B, V) instead of (B, T, V).
        var index = tensor(last, device: device).view(B, 1, 1).expand(B, 1, hidden.shape[2]);
        var logits = _model.Head(hidden.gather(1, index).squeeze(1));                                       // (B, V) float32
        var labels = tensor(LabelTokenIds.Select(i => (long)i).ToArray(), device: device);
        int K = LabelTokenIds.Count;
        var picked = logits.index_select(1, labels).to(ScalarType.Float64).cpu().data<double>().ToArray();   // (B, K)
        var result = new double[B, K];
        for (var b = 0; b < B; b++)
            for (var s = 0; s < K; s++) result[b, s] = picked[b * K + s];
        return result;
    }

    private (int[] Shared, IReadOnlyList<int> Labels) ResolveLabels(int vocab)
    {
        var o = Options;
        int[] shared = [];
        int[] ids;
        var k = o.LabelCount;
        var expected = o.NoStanceLabel ? "support, neutral, oppose, none" : "support, neutral, oppose";
        string Name(int i) => i < 3 ? StanceLabels.All[i].Label() : JudgePrompt.NoStanceLabel;
        if (o.LabelTokenIds is { } given)
        {
            if (given.Count != k) throw new ConfigException("local judge", "label_token_ids", $"expected {k} ids ({expected}), got {given.Count}");
            ids = [.. given];
        }
        else
        {
            if (o.LabelTexts is { } t && t.Count != k) throw new ConfigException("local judge", "label_texts", $"expected {k} labels ({expected}), got {t.Count}");
            // The prompt's tail (the template's assistant header or "Stance:") is the same for every item, so one
            // example prompt tells how replies continue it.
            var prompt = PromptText(new JudgeItem("topic", "Question?", "Answer."));
            var promptIds = _tokenizer.Encode(prompt);
            var separator = prompt.Length > 0 && char.IsWhiteSpace(prompt[^1]) ? "" : " ";
            var texts = o.LabelTexts ?? Enumerable.Range(0, k).Select(i => separator + Name(i)).ToList();
            var continuations = texts.Select(text =>
            {
                var full = _tokenizer.Encode(prompt + text);
                if (full.Length <= promptIds.Length || !full.AsSpan(0, promptIds.Length).SequenceEqual(promptIds))
                    throw new ConfigException("local judge", "label_texts",
                        $"the prompt followed by '{text}' does not encode as the prompt's tokens then the label's (the tokenizer merges across the boundary), so the label token cannot be read");
                return full[promptIds.Length..];
            }).ToArray();
            var common = 0;
            while (continuations.All(c => c.Length > common) && continuations.All(c => c[common] == continuations[0][common])) common++;
            for (var i = 0; i < k; i++)
                if (continuations[i].Length == common)
                    throw new ConfigException("local judge", "label_texts",
                        $"label '{texts[i]}' is a prefix of another label's tokens, so their probabilities cannot be told apart");
            shared = continuations[0][..common];
            ids = continuations.Select(c => c[common]).ToArray();
        }
        for (var i = 0; i < k; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocab)
                throw new ConfigException("local judge", "label_token_ids", $"label token {ids[i]} ({Name(i)}) is outside the judge model's vocabulary of {vocab} ids");
            for (var j = 0; j < i; j++)
                if (ids[i] == ids[j])
                    throw new ConfigException("local judge", "label_token_ids",
                        $"labels {Name(j)} and {Name(i)} share their first token {ids[i]}, so their probabilities cannot be told apart");
        }
        return (shared, ids);
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}
