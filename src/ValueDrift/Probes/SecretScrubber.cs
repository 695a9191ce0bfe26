namespace ValueDrift.Probes;

/// <summary>Removes a secret (an API key) from text that may be shown to a user or written to a log.</summary>
public static class SecretScrubber
{
    public const string Mask = "***";

    /// <summary><paramref name="text"/> with every occurrence of <paramref name="secret"/> replaced by <see cref="Mask"/>.</summary>
    public static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, Mask, StringComparison.Ordinal);

    /// <summary>
    /// Whether the secret appears anywhere in an exception chain: messages, stack traces, inner exceptions, and the
    /// <see cref="Exception.Data"/> entries that ToString leaves out but structured loggers write.
    /// </summary>
    public static bool Leaks(Exception e, string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return false;
        if (e.ToString().Contains(secret, StringComparison.Ordinal)) return true;
        for (var x = e; x is not null; x = x.InnerException)
            foreach (System.Collections.DictionaryEntry d in x.Data)
                if ($"{d.Key}{d.Value}".Contains(secret, StringComparison.Ordinal)) return true;
        return false;
    }
}
