namespace ValueDrift.Interactive;

/// <summary>One frame of a live progress output, already drawn as HTML (registered with the text/html formatter).</summary>
public sealed record ProgressView(string Html)
{
    public override string ToString() => System.Text.RegularExpressions.Regex.Replace(Html, "<[^>]+>", " ").Trim();
}
