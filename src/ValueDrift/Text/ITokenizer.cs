namespace ValueDrift.Text;

/// <summary>
/// Text ⇄ token ids, as the models see them. <see cref="Encode"/> never adds special tokens of its own (no BOS, no
/// EOS): chat templates write every marker into the text, so what is trained is exactly what is written.
/// Special-token strings that appear in the text (e.g. <c>&lt;|im_start|&gt;</c>) encode to their single ids.
/// </summary>
public interface ITokenizer
{
    /// <summary>One past the largest id this tokenizer can produce (the model's embedding must be at least this big).</summary>
    int VocabSize { get; }

    /// <summary>Token ids of <paramref name="text"/>, with no special tokens added.</summary>
    int[] Encode(string text);

    /// <summary>Text of <paramref name="ids"/>; special tokens (BOS, EOS, turn markers, padding) are dropped unless asked for.</summary>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = true);

    /// <summary>Beginning-of-sequence id, if the tokenizer has one.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, if the tokenizer has one.</summary>
    int? EosId { get; }

    /// <summary>Id used to right-pad batches. Padded positions are masked out, so its value never reaches a loss.</summary>
    int PadId { get; }

    /// <summary>Ids that end generation: EOS plus end-of-turn markers such as <c>&lt;|im_end|&gt;</c> or <c>&lt;|eot_id|&gt;</c>.</summary>
    IReadOnlyList<int> StopIds { get; }

    /// <summary>The id of a special or added token written as text (e.g. "&lt;|im_end|&gt;"), or null if there is none.</summary>
    int? SpecialTokenId(string token);
}
