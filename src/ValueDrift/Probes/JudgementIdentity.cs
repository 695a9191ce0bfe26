using System.Security.Cryptography;
using System.Text;

namespace ValueDrift.Probes;

/// <summary>
/// Names a judge for the <see cref="JudgementCache"/>: two judges with the same identity give the same reading of the
/// same prompt. It never holds a secret: the URL loses any user info and query, and the API key is never part of it.
/// </summary>
public static class JudgementIdentity
{
    /// <summary>Hash of the judge instructions: a new prompt wording is a new judge.</summary>
    public static string PromptVersion { get; } = Hex(JudgePrompt.Instructions)[..12];

    /// <summary>An OpenAI-compatible endpoint judge: URL (scheme, host, port, path), model, prompt version and readout settings.</summary>
    public static string Endpoint(Uri endpoint, string model, ChatEndpointJudgeOptions options)
    {
        var url = endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
        var readout = options.RequestLogProbs ? $"logprobs top {options.TopLogProbs}" : "text";
        return FormattableString.Invariant($"endpoint {url} model {model} prompt {PromptVersion} readout {readout} smoothing {options.TextSmoothing}") + Labels(options.NoStanceLabel);
    }

    /// <summary>The four-label prompt is another judge; the default three-label identity is unchanged.</summary>
    private static string Labels(bool noStance) => noStance ? " labels support/neutral/oppose/" + JudgePrompt.NoStanceLabel : "";

    /// <summary>A local judge folder (<see cref="LocalFolder(string)"/>) asked with or without the no-stance label.</summary>
    public static string LocalFolder(string dir, bool noStanceLabel) => LocalFolder(dir) + Labels(noStanceLabel);

    /// <summary>
    /// A local judge folder: a hash of its config and tokenizer files and, for each weights file, its length and its
    /// first and last MiB (hashing gigabytes of weights per probe would cost more than it saves), with the prompt version.
    /// </summary>
    public static string LocalFolder(string dir)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            sha.AppendData(Encoding.UTF8.GetBytes(name + "\n"));
            if (name.EndsWith(".json", StringComparison.Ordinal)) sha.AppendData(File.ReadAllBytes(file));
            else if (name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".bin", StringComparison.Ordinal))
            {
                using var fs = File.OpenRead(file);
                sha.AppendData(BitConverter.GetBytes(fs.Length));
                var buffer = new byte[1 << 20];
                sha.AppendData(buffer, 0, fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false));
                if (fs.Length > buffer.Length)
                {
                    fs.Seek(-Math.Min(buffer.Length, fs.Length - buffer.Length), SeekOrigin.End);
                    sha.AppendData(buffer, 0, fs.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false));
                }
            }
        }
        return $"local {Convert.ToHexStringLower(sha.GetHashAndReset())[..16]} prompt {PromptVersion}";
    }

    /// <summary>The cache key of one item: the judge's identity and the exact prompt it is sent.</summary>
    public static string Key(string identity, JudgeItem item) =>
        Hex(identity + "\u001f" + JudgePrompt.Instructions + "\u001f" + JudgePrompt.User(item));

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
