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
}
