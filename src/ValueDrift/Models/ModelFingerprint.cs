using System.Security.Cryptography;
using ValueDrift.Errors;

namespace ValueDrift.Models;

/// <summary>
/// A model folder's identity for caches and stage records: SHA-256 over its config.json and, per weights file, name,
/// size and the first and last MiB (hashing all of an 8B checkpoint would take a minute); a LoRA adapter folder is its
/// own files plus its base's fingerprint.
/// </summary>
public static class ModelFingerprint
{
    private const int Edge = 1 << 20;

    /// <summary>The fingerprint of <paramref name="folder"/> (lower-case hex); a folder without config.json is a <see cref="CheckpointException"/>.</summary>
    public static string Of(string folder)
    {
        if (LoraAdapter.IsAdapterFolder(folder))
        {
            using var adapter = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var f in new[] { LoraAdapter.ConfigFile, LoraAdapter.WeightsFile })
                adapter.AppendData(File.ReadAllBytes(Path.Combine(folder, f)));
            adapter.AppendData(System.Text.Encoding.UTF8.GetBytes(Of(LoraAdapter.ResolveBase(folder, null))));
            return Convert.ToHexStringLower(adapter.GetHashAndReset());
        }
        var config = Path.Combine(folder, "config.json");
        if (!File.Exists(config)) throw new CheckpointException(folder, null, "model folder not found (no config.json)");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(config));
        foreach (var file in Directory.EnumerateFiles(folder, "*.safetensors").Order(StringComparer.Ordinal))
        {
            using var s = File.OpenRead(file);
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFileName(file)}:{s.Length}"));
            var buffer = new byte[(int)Math.Min(Edge, s.Length)];
            s.ReadExactly(buffer);
            hash.AppendData(buffer);
            if (s.Length > Edge)
            {
                s.Seek(-Math.Min(Edge, s.Length - Edge), SeekOrigin.End);
                var tail = new byte[(int)Math.Min(Edge, s.Length - Edge)];
                s.ReadExactly(tail);
                hash.AppendData(tail);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
