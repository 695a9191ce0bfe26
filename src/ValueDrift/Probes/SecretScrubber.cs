namespace ValueDrift.Probes;

/// <summary>Removes a secret (an API key) from text that may be shown to a user or written to a log.</summary>
public static class SecretScrubber
{
    public const string Mask = "***";

    /// <summary><paramref name="text"/> with every occurrence of <paramref name="secret"/> replaced by <see cref="Mask"/>.</summary>
    public static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, Mask, StringComparison.Ordinal);

    /// <summary>Whether the secret appears anywhere in an exception chain (messages, stack traces, inner exceptions).</summary>
    public static bool Leaks(Exception e, string? secret) =>
        !string.IsNullOrEmpty(secret) && e.ToString().Contains(secret, StringComparison.Ordinal);
}
