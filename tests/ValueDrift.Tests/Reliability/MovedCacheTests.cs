using ValueDrift.WorldRuns;
using ValueDrift.Attribution;
using ValueDrift.Experiments;
using ValueDrift.Models;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// A run folder never strands a finished stage in a cache that moved or was cleared: the world's stage records its
/// start model by fingerprint, so a rerun against the moved cache (or a new cache, where the base model is pretrained
/// again) finds the stage complete, says in one line where its start model is now, and the record it hands on
/// (attribution's <see cref="StageRecord"/>) names that place — not the old path, whose tokenizer.json is gone.
/// </summary>
public class MovedCacheTests
{
    [Fact]
    public void A_finished_world_stage_is_reused_after_its_cache_moves_or_is_cleared()
    {
        var run = Fixtures.TempDir("moved-cache-run");
        var root = Fixtures.TempDir("moved-cache");
        string first = Path.Combine(root, "first"), moved = Path.Combine(root, "moved"), fresh = Path.Combine(root, "fresh");
        var o = WorldExperimentOptions.Quick(run).WithSteps(4, 4);

        var lines = new List<string>();
        var (_, before) = WorldAttribution.RunStage(o with { CacheRoot = first }, "sft-neutral", lines.Add);
        Assert.StartsWith(first, before.StartModel);
        var fingerprint = ModelFingerprint.Of(before.StartModel);
        var checkpoint = Path.Combine(before.Directory, "checkpoints");
        var written = Directory.GetFiles(checkpoint, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        // The cache moved (or VALUEDRIFT_CACHE now names another folder holding it).
        Directory.Move(first, moved);
        lines.Clear();
        var (_, after) = WorldAttribution.RunStage(o with { CacheRoot = moved }, "sft-neutral", lines.Add);
        Assert.Contains(lines, l => l.StartsWith("sft-neutral: already complete"));
        Assert.Single(lines, l => l.StartsWith("sft-neutral: found its inputs by content at new places") && l.Contains($"start: {before.StartModel} → {Path.Combine(moved, Path.GetRelativePath(first, before.StartModel))}"));
        Assert.StartsWith(moved, after.StartModel);
        Assert.True(File.Exists(Path.Combine(after.StartModel, "tokenizer.json")));
        Assert.Equal(fingerprint, ModelFingerprint.Of(after.StartModel));
        Assert.All(written, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));   // nothing trained again

        // The cache cleared: the base model is pretrained again in the new cache, found equal by content, and the stage is kept.
        Directory.Delete(moved, recursive: true);
        lines.Clear();
        var (_, rebuilt) = WorldAttribution.RunStage(o with { CacheRoot = fresh }, "sft-neutral", lines.Add);
        Assert.StartsWith(fresh, rebuilt.StartModel);
        Assert.Equal(fingerprint, ModelFingerprint.Of(rebuilt.StartModel));
        Assert.Contains(lines, l => l.StartsWith("sft-neutral: already complete"));
        Assert.Single(lines, l => l.StartsWith("sft-neutral: found its inputs by content at new places"));
        Assert.All(written, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));

        // Attribution reads the stage from its record: the start model it names is there.
        Assert.True(File.Exists(Path.Combine(StageRecord.Read(rebuilt.Directory).StartModel, "tokenizer.json")));
    }
}
