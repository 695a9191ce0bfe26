using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.World;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>
/// The demo's seed folders are the recipe runner's (seeds/seed-K for the K-th seed after the first); a run folder
/// written when they were named by training seed is refused before any work, with the renames that continue it.
/// </summary>
[Trait("tier", "fast")]
public class WorldSeedFoldersTests
{
    private static void SeedFolder(string run, string name, long trainingSeed)
    {
        var dir = Path.Combine(run, "seeds", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), $"{{ \"command\": \"demo\", \"training_seed\": {trainingSeed} }}");
    }

    [Fact]
    public void A_demo_folder_named_by_training_seed_is_refused_with_the_renames_that_continue_it()
    {
        var run = Fixtures.TempDir("seed-folders-old");
        SeedFolder(run, "seed-2", 2);   // the old names for training seeds 2 and 3 of a run seeded 1
        SeedFolder(run, "seed-3", 3);
        var recipe = WorldRecipe.For(WorldExperimentOptions.Default(run) with { Seed = 1, Seeds = 3 });
        var e = Assert.Throws<ConfigException>(() => WorldSeedFolders.Check(recipe, new RunDirectory(run)));
        Assert.Equal(Path.Combine(run, "seeds", "seed-2", "config.json"), e.File);
        Assert.Equal("training_seed", e.Field);
        Assert.Contains("holds the run of training seed 2, but seeds/seed-2 now names the run of training seed 3", e.Message);
        // in increasing order, so seed-2 is free before seed-3 takes its name
        Assert.Contains($"mv {Path.Combine("seeds", "seed-2")} {Path.Combine("seeds", "seed-1")}; mv {Path.Combine("seeds", "seed-3")} {Path.Combine("seeds", "seed-2")}", e.Message);
        // the whole demo is refused before it writes datasets or pretrains a base model
        var demo = Assert.Throws<ConfigException>(() => WorldExperiment.Run(WorldExperimentOptions.Quick(run) with { Seeds = 3, CacheRoot = Path.Combine(run, "cache") }));
        Assert.Equal("training_seed", demo.Field);
        Assert.False(Directory.Exists(Path.Combine(run, "data")));
        Assert.False(Directory.Exists(Path.Combine(run, "cache")));
    }

    [Fact]
    public void Seed_folders_named_by_their_place_pass_and_so_does_a_run_seeded_zero()
    {
        var run = Fixtures.TempDir("seed-folders-new");
        SeedFolder(run, "seed-1", 2);
        SeedFolder(run, "seed-2", 3);
        WorldSeedFolders.Check(WorldRecipe.For(WorldExperimentOptions.Default(run) with { Seed = 1, Seeds = 3 }), new RunDirectory(run));
        // seeded 0, the old names (by training seed 1, 2) and the new ones (by place 1, 2) are the same folders
        var zero = Fixtures.TempDir("seed-folders-zero");
        SeedFolder(zero, "seed-1", 1);
        SeedFolder(zero, "seed-2", 2);
        WorldSeedFolders.Check(WorldRecipe.For(WorldExperimentOptions.Default(zero) with { Seed = 0, Seeds = 3 }), new RunDirectory(zero));
    }

    [Fact]
    public void A_world_recipe_needs_the_world_s_source_and_options_name_one_of_the_world_s_sizes()
    {
        var recipe = WorldRecipe.For(WorldExperimentOptions.Quick("run"));
        var e = Assert.Throws<ConfigException>(() => RecipeRunner.Run(recipe, Fixtures.TempDir("world-without-source")));
        Assert.Equal("world", e.Field);
        Assert.IsType<WorldRecipeSource>(WorldRecipe.SourceFor(recipe));
        var odd = WorldExperimentOptions.Quick("run") with { World = WorldOptions.Quick with { SftRows = 7 } };
        Assert.Equal("world", Assert.Throws<ConfigException>(() => WorldRecipe.For(odd)).Field);
    }
}
