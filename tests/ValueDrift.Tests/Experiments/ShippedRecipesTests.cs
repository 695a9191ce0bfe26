using ValueDrift.Experiments;
using Xunit;

namespace ValueDrift.Tests.Experiments;

/// <summary>Every recipe shipped in recipes/ reads, plans and (where it has one) expands its sweep, so a documented command never starts on a broken file.</summary>
public class ShippedRecipesTests
{
    public static TheoryData<string> Recipes() => [.. Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "recipes"), "*.jsonc").Select(Path.GetFileName).Order()!];

    [Theory, Trait("tier", "fast")]
    [MemberData(nameof(Recipes))]
    public void Each_shipped_recipe_loads_and_its_sweep_expands(string file)
    {
        var path = Path.Combine(Fixtures.RepoRoot, "recipes", file);
        if (!File.ReadAllText(path).Contains("\"world\""))
        {
            // a real model's recipe: without the downloaded model its one error names the base_model key
            var e = Assert.Throws<ValueDrift.Errors.ConfigException>(() => Recipe.Load(path));
            Assert.Equal("base_model", e.Field);
            return;
        }
        var recipe = Recipe.Load(path);
        var plan = recipe.Plan(baseModel: recipe.BaseModel ?? "world");
        Assert.NotEmpty(plan.Stages);
        if (recipe.Sweep is { } sweep)
        {
            var points = sweep.Expand(recipe, plan).Points;
            Assert.NotEmpty(points);
            Assert.Equal(0, points.Count % sweep.Seeds);   // every setting under every seed
        }
    }
}
