namespace ValueDrift.Data;

/// <summary>
/// Length limits applied when an example is too long (see <see cref="Truncation"/>).
/// </summary>
public sealed record TruncationOptions
{
    /// <summary>Most tokens in prompt + completion.</summary>
    public int MaxLength { get; }

    /// <summary>Most prompt tokens kept when the example is too long; null means half of <see cref="MaxLength"/> (TRL's default ratio).</summary>
    public int? MaxPromptLength { get; }

    /// <exception cref="ArgumentOutOfRangeException">MaxLength &lt; 2, or MaxPromptLength outside 1..MaxLength-1 (it must leave room for a completion).</exception>
    public TruncationOptions(int maxLength, int? maxPromptLength = null)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "must be at least 2");
        if (maxPromptLength is int p && (p < 1 || p >= maxLength))
            throw new ArgumentOutOfRangeException(nameof(maxPromptLength), p, $"must be between 1 and maxLength - 1 ({maxLength - 1})");
        MaxLength = maxLength;
        MaxPromptLength = maxPromptLength;
    }

    /// <summary>The prompt budget in force: <see cref="MaxPromptLength"/> or MaxLength / 2.</summary>
    public int PromptBudget => MaxPromptLength ?? MaxLength / 2;

    /// <summary>Cap of the default <see cref="MaxLength"/> (TRL's SFT default max_length).</summary>
    public const int DefaultMaxLengthCap = 1024;

    /// <summary>
    /// The limits used when none are given: min(max_position_embeddings, 1024), so no row is longer than the model's
    /// positions and a long conversation does not take the memory of a whole batch. Rows cut by it are counted
    /// (<see cref="ExampleEncoder.TruncatedRows"/>).
    /// </summary>
    public static TruncationOptions Default(int maxPositionEmbeddings) => new(Math.Max(2, Math.Min(maxPositionEmbeddings, DefaultMaxLengthCap)));
}
