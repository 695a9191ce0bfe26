using System.Security.Cryptography;
using System.Text;
using ValueDrift.Errors;

namespace ValueDrift.Attribution;

/// <summary>
/// Per-example gradients on disk, under the stage folder's attribution-cache/, one file per checkpoint and
/// restriction ("step-5.last1.cs8192s0.&lt;data&gt;.bin"), so attributing several topics and stances pays for the
/// examples' gradients once. The data part of the key hashes the data file and the algorithm's settings, so a changed
/// file is never read from a stale cache. Format: "VDAG1", int32 rows, int32 columns, then float32 row-major.
/// </summary>
public static class GradientCache
{
    public const string FolderName = "attribution-cache";
    private static readonly byte[] Magic = "VDAG1"u8.ToArray();

    public static string PathFor(string stageDirectory, int step, string key) =>
        Path.Combine(stageDirectory, FolderName, $"step-{step}.{key}.bin");

    /// <summary>Key of a stage's examples under a restriction and projection.</summary>
    public static string Key(GradientRestriction restriction, GradientSketch sketch, string dataPath, string algorithm)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(File.ReadAllBytes(dataPath));
        hash.AppendData(Encoding.UTF8.GetBytes(algorithm));
        return $"{restriction.Key}.{sketch.Key}.{Convert.ToHexStringLower(hash.GetHashAndReset())[..12]}";
    }

    /// <summary>The cached gradients, or null when absent; a file of the wrong shape is a <see cref="CheckpointException"/>.</summary>
    public static float[][]? TryRead(string path, int rows, long columns)
    {
        if (!File.Exists(path)) return null;
        using var r = new BinaryReader(File.OpenRead(path));
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new CheckpointException(path, null, "not an attribution cache file (delete it to recompute)");
        int n = r.ReadInt32(), d = r.ReadInt32();
        if (n != rows || d != columns)
            throw new CheckpointException(path, null, $"holds {n}×{d} gradients, expected {rows}×{columns} (delete it to recompute)");
        var result = new float[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new float[d];
            var bytes = r.ReadBytes(d * sizeof(float));
            if (bytes.Length != d * sizeof(float)) throw new CheckpointException(path, null, $"truncated at row {i} (delete it to recompute)");
            Buffer.BlockCopy(bytes, 0, result[i], 0, bytes.Length);
        }
        return result;
    }

    public static void Write(string path, float[][] gradients)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        IO.AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(gradients.Length);
            w.Write(gradients.Length == 0 ? 0 : gradients[0].Length);
            var buffer = new byte[gradients.Length == 0 ? 0 : gradients[0].Length * sizeof(float)];
            foreach (var row in gradients)
            {
                Buffer.BlockCopy(row, 0, buffer, 0, buffer.Length);
                w.Write(buffer);
            }
        });
    }
}
