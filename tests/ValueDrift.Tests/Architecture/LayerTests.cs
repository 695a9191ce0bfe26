using System.Reflection;
using System.Xml.Linq;
using Xunit;

namespace ValueDrift.Tests.Architecture;

/// <summary>
/// The layer rule of docs/architecture.md: a source file of the library (src/ValueDrift) or of ValueDrift.Reporting
/// may refer only to its own layer and earlier ones, namespaces never refer to each other in a cycle, and the core
/// library carries no charting package.
/// </summary>
[Trait("tier", "fast")]
public class LayerTests
{
    /// <summary>
    /// The layers in order, as namespaces under <c>ValueDrift.</c>; a layer may use its own and every earlier one.
    /// The foundation (errors, atomic files, seeds) shares the first place. World comes after Drift: the synthetic
    /// world uses the core below it. WorldRuns (the world experiment: the demo's options, the world's recipe source,
    /// its probes) runs the world through Experiments, whose recipe runner knows the world only through IRecipeSource.
    /// </summary>
    public static readonly string[][] Order =
    [
        ["Errors", "IO", "Common"],
        ["Models"],
        ["Text"],
        ["Data"],
        ["Training"],
        ["Probes"],
        ["Drift"],
        ["World"],
        ["Experiments"],
        ["WorldRuns"],
        ["Attribution"],
        ["Reporting"],
    ];

    /// <summary>Source folders the rule covers, relative to the repository root.</summary>
    private static readonly string[] Roots = ["src/ValueDrift", "src/ValueDrift.Reporting"];

    /// <summary>The packages the core library must not reference: charts, data frames and the F# runtime they need.</summary>
    private static readonly string[] ChartingPackages = ["XPlot.Plotly", "Deedle", "FSharp.Core"];

    private static int Rank(string ns)
    {
        var parts = ns.Split('.');
        if (parts.Length < 2 || parts[0] != "ValueDrift") return -1;
        return Array.FindIndex(Order, layer => layer.Contains(parts[1]));
    }

    /// <summary>Every violation of the order among <paramref name="files"/>: "file: Layer uses later Layer".</summary>
    public static IReadOnlyList<string> Violations(IReadOnlyList<SourceFile> files)
    {
        var types = TypesByNamespace(files);
        var problems = new List<string>();
        foreach (var f in files)
        {
            int own = Rank(f.Namespace);
            if (own < 0) { problems.Add($"{f.Path}: namespace {f.Namespace} is in no layer (place it in {nameof(LayerTests)}.{nameof(Order)} and docs/architecture.md)"); continue; }
            foreach (var used in SourceReferences.Of(f, types).Order(StringComparer.Ordinal))
            {
                int rank = Rank(used);
                if (rank > own) problems.Add($"{f.Path}: {f.Namespace} uses the later layer {used}");
            }
        }
        return problems;
    }

    /// <summary>Cycles among namespaces (full names, so Training.Objectives and Training.Ppo count apart), each as "A → B → A".</summary>
    public static IReadOnlyList<string> Cycles(IReadOnlyList<SourceFile> files)
    {
        var types = TypesByNamespace(files);
        var edges = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (!edges.TryGetValue(f.Namespace, out var set)) edges[f.Namespace] = set = new HashSet<string>(StringComparer.Ordinal);
            set.UnionWith(SourceReferences.Of(f, types));
        }
        var cycles = new List<string>();
        foreach (var (from, targets) in edges.OrderBy(e => e.Key, StringComparer.Ordinal))
            foreach (var to in targets.Order(StringComparer.Ordinal))
                if (string.CompareOrdinal(from, to) < 0 && PathExists(edges, to, from))
                    cycles.Add($"{from} → {to} → {from}");
        return cycles;
    }

    private static bool PathExists(Dictionary<string, HashSet<string>> edges, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { from };
        var queue = new Queue<string>([from]);
        while (queue.Count > 0)
        {
            var n = queue.Dequeue();
            if (n == to) return true;
            if (edges.TryGetValue(n, out var next))
                foreach (var m in next) if (seen.Add(m)) queue.Enqueue(m);
        }
        return false;
    }

    private static Dictionary<string, HashSet<string>> TypesByNamespace(IReadOnlyList<SourceFile> files)
    {
        var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            if (!types.TryGetValue(f.Namespace, out var set)) types[f.Namespace] = set = new HashSet<string>(StringComparer.Ordinal);
            set.UnionWith(f.DeclaredTypes);
        }
        return types;
    }

    private static IReadOnlyList<SourceFile> ProjectSources() =>
        Roots.SelectMany(root => Directory.EnumerateFiles(Path.Combine(Fixtures.RepoRoot, root), "*.cs", SearchOption.AllDirectories)
                .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj"))
                .Select(p => SourceFile.Parse(Path.GetRelativePath(Fixtures.RepoRoot, p), File.ReadAllText(p))))
            .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();

    [Fact]
    public void EveryFileUsesOnlyItsOwnAndEarlierLayers()
    {
        var files = ProjectSources();
        Assert.True(files.Count > 100, $"only {files.Count} source files found");
        var problems = Violations(files);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void NamespacesDoNotReferToEachOtherInACycle()
    {
        var cycles = Cycles(ProjectSources());
        Assert.True(cycles.Count == 0, string.Join("\n", cycles));
    }

    [Fact]
    public void TheCoreLibraryCarriesNoChartingPackage()
    {
        var project = XDocument.Load(Path.Combine(Fixtures.RepoRoot, "src", "ValueDrift", "ValueDrift.csproj"));
        var packages = project.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include")).ToList();
        foreach (var p in ChartingPackages) Assert.DoesNotContain(p, packages);

        // Nor through another package: the built assembly references none of them.
        var references = typeof(ValueDrift.Models.CausalLM).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        foreach (var p in ChartingPackages) Assert.DoesNotContain(p, references);
        Assert.Contains("XPlot.Plotly", typeof(ValueDrift.Reporting.DriftCharts).Assembly.GetReferencedAssemblies().Select(a => a.Name));
    }

    [Fact]
    public void TheScannerReadsDirectivesAndQualifiedNamesButNotCommentsOrStrings()
    {
        var library = SourceFile.Parse("Common/Seeds.cs", "namespace ValueDrift.Common;\npublic static class Seeds { }");
        var world = SourceFile.Parse("World/W.cs", "namespace ValueDrift.World;\npublic sealed record WorldTopic(string Id);");
        var objectives = SourceFile.Parse("Training/Objectives/R.cs", "namespace ValueDrift.Training.Objectives;\npublic sealed class RewardModel { }");
        var file = SourceFile.Parse("Training/Ppo/P.cs", """
            using System.Text;
            using static ValueDrift.Common.Seeds;
            // using ValueDrift.World;   (a comment)
            namespace ValueDrift.Training.Ppo;
            /// <see cref="ValueDrift.World.WorldTopic"/>
            public sealed class P
            {
                string s = "ValueDrift.World.WorldTopic";
                string v = @"say ""ValueDrift.World"" ";
                char q = '"';
                object r = Objectives.RewardModel.Create();
                int n = Text.Length;
            }
            """);
        var types = new Dictionary<string, HashSet<string>>
        {
            ["ValueDrift.Common"] = ["Seeds"], ["ValueDrift.World"] = ["WorldTopic"], ["ValueDrift.Training.Objectives"] = ["RewardModel"],
            ["ValueDrift.Training.Ppo"] = ["P"],
        };
        Assert.Equal(["ValueDrift.Common", "ValueDrift.Training.Objectives"], SourceReferences.Of(file, types).Order(StringComparer.Ordinal));
        Assert.Equal(["P"], file.DeclaredTypes);
        Assert.Equal("ValueDrift.Training.Ppo", file.Namespace);
        Assert.Empty(Violations([library, world, objectives, file]));
    }

    [Fact]
    public void AnEarlierLayerUsingALaterOneIsReportedAndSoIsACycle()
    {
        var probe = SourceFile.Parse("Probes/A.cs", "using ValueDrift.Drift;\nnamespace ValueDrift.Probes;\npublic sealed class A { Trace t; }");
        var drift = SourceFile.Parse("Drift/Trace.cs", "using ValueDrift.Probes;\nnamespace ValueDrift.Drift;\npublic sealed class Trace { A a; }");
        Assert.Equal(["Probes/A.cs: ValueDrift.Probes uses the later layer ValueDrift.Drift"], Violations([probe, drift]));
        Assert.Equal(["ValueDrift.Drift → ValueDrift.Probes → ValueDrift.Drift"], Cycles([probe, drift]));

        var stray = SourceFile.Parse("Misc/B.cs", "namespace ValueDrift.Misc;\npublic sealed class B { }");
        Assert.Contains("is in no layer", Assert.Single(Violations([stray])));
    }
}
