using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Text;

namespace ValueDrift.Data;

/// <summary>
/// A model folder's text tools and the training rows of a data file, as token ids. Text rows are tokenised with the
/// folder's tokenizer and chat template (<see cref="ExampleEncoder"/>); rows of token ids (<c>prompt_ids</c>,
/// <c>chosen_ids</c>, <c>rejected_ids</c>) are used as given, so models without a tokenizer can be trained. Every
/// bad row (unreadable, text without a tokenizer, an id outside the vocabulary) is a <see cref="DataFormatException"/>
/// naming file, row and field, or is skipped and counted (skipBadRows).
/// </summary>
public sealed class StageInputs
{
    public string ModelDir { get; }
    public ITokenizer? Tokenizer { get; }
    public ChatTemplate? Template { get; }
    public int VocabSize { get; }
    public int PadId { get; }
    private readonly TruncationOptions _truncation;
    private readonly bool _skipBadRows;
    private readonly ILogger _log;
    // Rows already read, by what was asked: preflight's read (lengths for the memory plan) is the step's read.
    private readonly Dictionary<(string Kind, string File, int Setting), object> _read = [];

    private T Once<T>(string kind, string file, int setting, Func<T> read) where T : class
    {
        var key = (kind, Path.GetFullPath(file), setting);
        if (_read.TryGetValue(key, out var rows)) return (T)rows;
        var result = read();
        _read[key] = result;
        return result;
    }

    public StageInputs(string modelDir, ModelConfig config, int? maxLength, bool skipBadRows, ILogger? log = null)
    {
        ModelDir = modelDir;
        if (File.Exists(Path.Combine(modelDir, "tokenizer.json")))
        {
            Tokenizer = TokenizerLoader.FromFolder(modelDir);
            Template = ChatTemplate.ForModelFolder(modelDir, Tokenizer);
        }
        VocabSize = config.VocabSize;
        PadId = Tokenizer?.PadId ?? config.PadTokenId ?? 0;
        // Without a limit, rows are cut to min(max_position_embeddings, 1024): a longer row would train silently on
        // positions the model was never built for.
        try { _truncation = maxLength is { } m ? new TruncationOptions(m) : TruncationOptions.Default(config.MaxPositionEmbeddings); }
        catch (ArgumentOutOfRangeException e) { throw new ValueDriftException("--max-length: " + e.Message); }
        _skipBadRows = skipBadRows;
        _log = log ?? LineLogger.None;
    }

    /// <summary>Longest prompt + completion in tokens: the given limit, else min(max_position_embeddings, 1024).</summary>
    public int MaxLength => _truncation.MaxLength;

    /// <summary>One encoder for every file read through these inputs; its count of cut rows is reported per file.</summary>
    private ExampleEncoder Encoder(bool lastTurnOnly = false) => new(Tokenizer, Template, _truncation, lastTurnOnly);

    /// <summary>Preference pairs (DPO, SimPO, reward modelling, the rewards command).</summary>
    public IReadOnlyList<TokenizedPreference> Preferences(string file) => Once("preferences", file, 0, () => ReadPreferences(file));

    private IReadOnlyList<TokenizedPreference> ReadPreferences(string file)
    {
        var read = DatasetReader.ReadPreferencePairs(file, _skipBadRows);
        var encoder = Encoder();
        var result = Keep(file, read.Skipped, read.SkipReasons, read.Rows, p =>
        {
            RequireTextTools(p.IsTokenized, p.Origin, "prompt");
            var t = encoder.Encode(p);
            CheckIds(p.Origin, ("prompt_ids", t.PromptIds), ("chosen_ids", t.ChosenIds), ("rejected_ids", t.RejectedIds));
            return t;
        });
        ReportCut(file, encoder);
        return result;
    }

    /// <summary>
    /// SFT examples: conversations (Alpaca, messages, ShareGPT), or preference rows of token ids with the chosen
    /// answer as the completion. Every assistant answer of a conversation is trained, or only its last with
    /// <paramref name="lastTurnOnly"/>.
    /// </summary>
    public IReadOnlyList<TokenizedExample> Conversations(string file, bool lastTurnOnly = false) =>
        Once("conversations", file, lastTurnOnly ? 1 : 0, () => ReadConversations(file, lastTurnOnly));

    private IReadOnlyList<TokenizedExample> ReadConversations(string file, bool lastTurnOnly)
    {
        var (conversations, pairs) = ReadEither(file);
        var encoder = Encoder(lastTurnOnly);
        var result = conversations is not null
            ? Keep(file, conversations.Skipped, conversations.SkipReasons, conversations.Rows, c =>
            {
                RequireTextTools(false, c.Origin, "messages");
                var e = encoder.Encode(c);
                CheckIds(c.Origin, ("prompt", e.PromptIds), ("completion", e.CompletionIds));
                return e;
            })
            : Keep(file, pairs!.Skipped, pairs.SkipReasons, pairs.Rows, p =>
            {
                RequireTextTools(p.IsTokenized, p.Origin, "prompt");
                var t = encoder.Encode(p);
                CheckIds(p.Origin, ("prompt_ids", t.PromptIds), ("chosen_ids", t.ChosenIds));
                return new TokenizedExample(t.PromptIds, t.ChosenIds);
            });
        ReportCut(file, encoder);
        return result;
    }

    private void ReportCut(string file, ExampleEncoder encoder)
    {
        if (encoder.TruncatedRows > 0)
            _log.Warn($"{file}: {encoder.TruncatedRows} row(s) longer than {MaxLength} tokens were cut (--max-length)");
    }

    /// <summary>
    /// PPO prompts: the prompt of every preference row, or the prompt messages of every conversation, formatted with
    /// the generation prompt. A prompt longer than that keeps its LAST <paramref name="maxPromptTokens"/>
    /// tokens, so the generation prompt that ends it survives.
    /// </summary>
    public IReadOnlyList<int[]> Prompts(string file, int maxPromptTokens) => Once("prompts", file, maxPromptTokens, () => ReadPrompts(file, maxPromptTokens));

    private IReadOnlyList<int[]> ReadPrompts(string file, int maxPromptTokens)
    {
        var (conversations, pairs) = ReadEither(file);
        IReadOnlyList<int[]> prompts = conversations is not null
            ? Keep(file, conversations.Skipped, conversations.SkipReasons, conversations.Rows, c =>
            {
                RequireTextTools(false, c.Origin, "messages");
                return Tokenizer!.Encode(Template!.FormatPrompt(c.PromptMessages));
            })
            : Keep(file, pairs!.Skipped, pairs.SkipReasons, pairs.Rows, p =>
            {
                RequireTextTools(p.IsTokenized, p.Origin, "prompt");
                var ids = p.IsTokenized ? p.PromptIds! : Tokenizer!.Encode(Template!.FormatPrompt(p.Prompt ?? []));
                if (ids.Length == 0) throw new DataFormatException(p.Origin?.File ?? file, p.Origin?.Row, "prompt", "empty prompt");
                CheckIds(p.Origin, ("prompt_ids", ids));
                return ids;
            });
        return prompts.Select(p => p.Length > maxPromptTokens ? p[^maxPromptTokens..] : p).ToList();
    }

    /// <summary>Reads a file as conversations, or failing that as preference pairs; a file that is neither reports the error of the row read further.</summary>
    private (ReadResult<Conversation>?, ReadResult<PreferencePair>?) ReadEither(string file)
    {
        DataFormatException? conversationError = null;
        try
        {
            var c = DatasetReader.ReadConversations(file, DatasetFormat.Auto, _skipBadRows);
            if (c.Rows.Count > 0) return (c, null);
        }
        catch (DataFormatException e) { conversationError = e; }
        try
        {
            var p = DatasetReader.ReadPreferencePairs(file, _skipBadRows);
            if (p.Rows.Count > 0 || conversationError is null) return (null, p);
        }
        catch (DataFormatException e) when (conversationError is null || (e.Row ?? 0) > (conversationError.Row ?? 0)) { throw; }
        catch (DataFormatException) { }
        throw conversationError!;
    }

    private List<TOut> Keep<TIn, TOut>(string file, int skippedOnRead, IReadOnlyList<string> reasons, IReadOnlyList<TIn> rows, Func<TIn, TOut> encode)
    {
        var result = new List<TOut>();
        int skipped = skippedOnRead;
        var why = reasons.ToList();
        foreach (var row in rows)
        {
            try { result.Add(encode(row)); }
            catch (DataFormatException e) when (_skipBadRows) { skipped++; if (why.Count < 5) why.Add(e.Message); }
        }
        if (skipped > 0)
        {
            _log.Warn($"skipped {skipped} bad row(s) of {file}:" + string.Concat(why.Select(w => "\n  " + w)));
        }
        if (result.Count == 0) throw new DataFormatException(file, null, null, "no usable rows");
        return result;
    }

    private void RequireTextTools(bool tokenized, DataOrigin? origin, string field)
    {
        if (tokenized || Tokenizer is not null) return;
        throw new DataFormatException(origin?.File ?? DataOrigin.InMemory, origin?.Row, field,
            $"a text row needs a tokenizer, but {Path.Combine(ModelDir, "tokenizer.json")} does not exist (give token ids: prompt_ids, chosen_ids, rejected_ids)");
    }

    private void CheckIds(DataOrigin? origin, params (string Field, int[] Ids)[] parts)
    {
        foreach (var (field, ids) in parts)
            foreach (var id in ids)
                if (id < 0 || id >= VocabSize)
                    throw new DataFormatException(origin?.File ?? DataOrigin.InMemory, origin?.Row, field, $"token id {id} is outside the model's vocabulary [0, {VocabSize})");
    }
}
