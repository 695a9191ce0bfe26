using System.Text.Json;
using System.Text.Json.Nodes;

namespace ValueDrift.Training.Algorithms;

/// <summary>
/// Every <see cref="Algorithm"/> record in the library, found by reflection (a non-abstract subclass with a public
/// parameterless constructor), so a new record needs no registration: recipes, stage.json, attribution, memory plans
/// and the command line (<c>valuedrift train NAME</c>, <c>valuedrift rewards</c>) all read the methods from here.
/// </summary>
public static class AlgorithmRegistry
{
    private static readonly Lazy<IReadOnlyList<Algorithm>> Defaults = new(() => typeof(Algorithm).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Algorithm)) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (Algorithm)Activator.CreateInstance(t)!)
        .OrderBy(a => a.Name, StringComparer.Ordinal)
        .ToList());

    /// <summary>Each method with its default settings, by name.</summary>
    public static IReadOnlyList<Algorithm> All => Defaults.Value;

    /// <summary>The methods' names, in order.</summary>
    public static IReadOnlyList<string> Names => All.Select(a => a.Name).ToList();

    /// <summary>The method named <paramref name="name"/> with its default settings, or null.</summary>
    public static Algorithm? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>The methods of the paper's comparison (<see cref="Algorithm.PaperComparisonOrder"/>), in its order.</summary>
    public static IReadOnlyList<string> PaperComparison =>
        All.Where(a => a.PaperComparisonOrder is not null).OrderBy(a => a.PaperComparisonOrder).Select(a => a.Name).ToList();

    /// <summary>
    /// The method <paramref name="name"/> with <paramref name="settings"/> (its JSON without the name) read onto its
    /// record; <see cref="KeyNotFoundException"/> for an unknown name, <see cref="JsonException"/> for bad settings
    /// (callers name the file and key).
    /// </summary>
    public static Algorithm Read(string name, JsonObject settings, JsonSerializerOptions options)
    {
        var type = Find(name)?.GetType() ?? throw new KeyNotFoundException($"unknown algorithm '{name}' (known: {string.Join(", ", Names)})");
        return (Algorithm)(settings.Deserialize(type, options) ?? throw new JsonException($"{name}: settings are null"));
    }
}
