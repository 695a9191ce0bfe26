using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// The seed folders of a world run, seeds/seed-K for the K-th seed run after the first (<see cref="Recipe.SeedFolder"/>),
/// checked before anything runs. Demos before this layout named them by training seed (seeds/seed-2 and seeds/seed-3
/// for seeds 1, 2, 3); such a folder holds another seed than its new name says, so it is refused with the renames
/// that make it resume, instead of being retrained under the wrong name or mistaken for another seed.
/// </summary>
public static class WorldSeedFolders
{
    /// <summary>
    /// Refuses <paramref name="run"/> when one of its seeds/seed-K folders records (config.json's training_seed) another
    /// training seed than seed run K of <paramref name="recipe"/> trains with.
    /// </summary>
    public static void Check(Recipe recipe, RunDirectory run)
    {
        var seedsDir = Path.Combine(run.Root, Recipe.SeedsFolder);
        if (!Directory.Exists(seedsDir)) return;
        var found = new List<(string Folder, int Index, long Recorded)>();
        foreach (var dir in Directory.EnumerateDirectories(seedsDir, "seed-*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)["seed-".Length..], out int index) || index < 1) continue;
            if (RecordedSeed(new RunDirectory(dir).ConfigPath) is { } recorded) found.Add((dir, index, recorded));
        }
        var wrong = found.Where(f => f.Recorded != WorldRecipe.TrainingSeed(recipe, f.Index)).OrderBy(f => f.Index).ToList();
        if (wrong.Count == 0) return;
        long first = WorldRecipe.TrainingSeed(recipe, 0);
        var renames = found.Where(f => f.Recorded > first).OrderBy(f => f.Recorded)
            .Where(f => f.Index != f.Recorded - first)
            .Select(f => $"mv {Path.Combine(Recipe.SeedsFolder, Path.GetFileName(f.Folder))} {Path.Combine(Recipe.SeedsFolder, $"seed-{f.Recorded - first}")}");
        var w = wrong[0];
        throw new ConfigException(new RunDirectory(w.Folder).ConfigPath, "training_seed",
            $"this seed folder holds the run of training seed {w.Recorded}, but seeds/seed-{w.Index} now names the run of training seed {WorldRecipe.TrainingSeed(recipe, w.Index)} (the {w.Index}. after the first): " +
            $"the run folder {run.Root} was written when seed folders were named by training seed; they are now seeds/seed-K for the K-th seed after the first. " +
            $"To continue it, rename them, in this order, inside {run.Root}: {string.Join("; ", renames)}. Or give another --out to start a new run.");
    }

    /// <summary>config.json's training_seed, or null when the folder has none (a run that never got that far).</summary>
    private static long? RecordedSeed(string configPath)
    {
        if (!File.Exists(configPath)) return null;
        try { return JsonNode.Parse(File.ReadAllText(configPath))?["training_seed"]?.GetValue<long>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        { throw new ConfigException(configPath, "training_seed", "not readable: " + e.Message, e); }
    }
}
