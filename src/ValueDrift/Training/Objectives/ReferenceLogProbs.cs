using System.Security.Cryptography;
using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.Data;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Training.Objectives;

/// <summary>
/// Summed completion log-probs of the reference model for every pair, computed once before training (TRL's
/// precompute_ref_log_probs): no second model stays in memory, and each step saves a forward pass. Stored in the run
/// folder (<c>reference_logps.json</c>, keyed by a hash of the data) so a resumed run uses the reference's values,
/// not the partly trained policy's.
/// </summary>
public sealed record ReferenceLogProbs(double[] Chosen, double[] Rejected, string DatasetHash)
{
    public const string FileName = "reference_logps.json";

    public static string Hash(IReadOnlyList<TokenizedPreference> pairs)
    {
        using var sha = SHA256.Create();
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            foreach (var p in pairs)
                foreach (var part in new[] { p.PromptIds, p.ChosenIds, p.RejectedIds }) { w.Write(part.Length); foreach (var t in part) w.Write(t); }
        return Convert.ToHexString(sha.ComputeHash(ms.ToArray())).ToLowerInvariant();
    }

    /// <summary>Runs <paramref name="reference"/> over all pairs (eval mode, no gradients), in batches.</summary>
    public static ReferenceLogProbs Compute(CausalLM reference, IReadOnlyList<TokenizedPreference> pairs, int padId, int batchSize = 8)
    {
        using var profile = Common.PhaseProfile.Measure(Common.PhaseProfile.Phases.ReferenceLogProbs);
        var chosen = new double[pairs.Count];
        var rejected = new double[pairs.Count];
        bool wasTraining = reference.training;
        reference.eval();
        using (no_grad())
            for (int start = 0; start < pairs.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var slice = pairs.Skip(start).Take(batchSize).ToList();
                using var batch = Batching.CollatePreference(slice, padId, device: reference.Device);
                var lp = SequenceLogProbs.Compute(reference.Forward(batch.InputIds), batch.InputIds, batch.CompletionMask);
                var sums = lp.Sum.to(ScalarType.Float64).cpu().data<double>().ToArray();
                for (int i = 0; i < slice.Count; i++) { chosen[start + i] = sums[i]; rejected[start + i] = sums[slice.Count + i]; }
            }
        if (wasTraining) reference.train();
        return new ReferenceLogProbs(chosen, rejected, Hash(pairs));
    }

    public void Save(string path) => IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { dataset_sha256 = DatasetHash, chosen = Chosen, rejected = Rejected }));

    public static ReferenceLogProbs? TryLoad(string path, IReadOnlyList<TokenizedPreference> pairs)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            var hash = r.GetProperty("dataset_sha256").GetString()!;
            if (hash != Hash(pairs)) throw new DataFormatException(path, null, "dataset_sha256", "cached reference log-probs belong to different data");
            var c = r.GetProperty("chosen").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var j = r.GetProperty("rejected").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            if (c.Length != pairs.Count || j.Length != pairs.Count) throw new DataFormatException(path, null, "chosen", "length does not match the data");
            return new ReferenceLogProbs(c, j, hash);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new DataFormatException(path, null, null, "unreadable reference log-prob cache: " + e.Message, e);
        }
    }
}
