using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ValueDrift.Models;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// PPO's reward models, kept by the content hash of everything that determines one: the start checkpoint's
/// fingerprint, the preference file's SHA-256, the reward-model settings (steps, learning rate, batch size, held-out
/// share, accuracy floor), the rest of the loop (seed, schedule, weight decay, …) and the longest sequence. The same
/// inputs train to the same weights, so a second PPO stage from the same checkpoint on the same data (another KL
/// coefficient, a notebook run again, another run folder) loads the first one's reward model instead of training
/// ~100 steps again. Entries are written under a temporary name and renamed, so a killed run leaves none half-written.
/// </summary>
public sealed class RewardModelCache(string root)
{
    /// <summary>Sub-folder of a cache root (the base models' one) that holds reward models.</summary>
    public const string FolderName = "reward-models";

    /// <summary>Bumped when what a cached entry holds, or how it is trained, changes.</summary>
    private const int Format = 1;

    /// <summary>The folder holding the entries (&lt;cache root&gt;/reward-models).</summary>
    public string Root { get; } = root;

    /// <summary>A cache in &lt;<paramref name="cacheRoot"/>&gt;/reward-models.</summary>
    public static RewardModelCache In(string cacheRoot) => new(Path.Combine(cacheRoot, FolderName));

    /// <summary>
    /// The content hash of a reward model trained from <paramref name="startModel"/> on <paramref name="dataPath"/> with
    /// <paramref name="loop"/> (the reward model's own loop) and <paramref name="policy"/> (how its weights are held).
    /// </summary>
    public static string Key(string startModel, string dataPath, Ppo ppo, TrainerOptions loop, PolicyOptions policy, int maxLength)
    {
        string data;
        using (var stream = File.OpenRead(dataPath)) data = Convert.ToHexStringLower(SHA256.HashData(stream));
        var text = JsonSerializer.Serialize(new
        {
            format = Format, start = ModelFingerprint.Of(startModel), data, loop, policy, max_length = maxLength,
            holdout = ppo.RewardModelHoldout, floor = ppo.RewardModelMinAccuracy,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>The folder of an entry (it may not exist yet).</summary>
    public string PathOf(string key) => Path.Combine(Root, key);

    /// <summary>The cached reward model of <paramref name="key"/>, or null when there is none (or only a partial one).</summary>
    public string? TryGet(string key)
    {
        var dir = PathOf(key);
        return File.Exists(Path.Combine(dir, "config.json")) && File.Exists(Path.Combine(dir, Ppo.HeldOutAccuracyFile)) ? dir : null;
    }

    /// <summary>
    /// Copies a trained reward model (its checkpoint folder, without the optimizer state) and its held-out accuracy
    /// record into the cache as <paramref name="key"/>, unless another run stored it first. Returns the entry's folder.
    /// </summary>
    public string Store(string key, string checkpoint, string accuracyFile)
    {
        var dir = PathOf(key);
        if (TryGet(key) is { } existing) return existing;
        Directory.CreateDirectory(Root);
        var tmp = Path.Combine(Root, $".{key}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
        Directory.CreateDirectory(tmp);
        foreach (var file in Directory.EnumerateFiles(checkpoint))
            if (Path.GetFileName(file) != TrainingCheckpoint.OptimizerFile)
                File.Copy(file, Path.Combine(tmp, Path.GetFileName(file)));
        File.Copy(accuracyFile, Path.Combine(tmp, Ppo.HeldOutAccuracyFile));
        try { Directory.Move(tmp, dir); }
        catch (IOException) when (TryGet(key) is not null) { Directory.Delete(tmp, recursive: true); }   // stored meanwhile by another run
        return dir;
    }
}
