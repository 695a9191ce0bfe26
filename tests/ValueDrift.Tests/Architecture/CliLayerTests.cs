using System.Text.RegularExpressions;
using Xunit;

namespace ValueDrift.Tests.Architecture;

/// <summary>
/// The command line parses and calls (docs/architecture.md): no CLI command touches tensors (TorchSharp) or the
/// losses (Training.Objectives); scoring, forward passes and defaults live in the library.
/// </summary>
[Trait("tier", "fast")]
public class CliLayerTests
{
    private static readonly Regex Forbidden = new(@"\bTorchSharp\b|\bTraining\.Objectives\b|\bObjectives\.\w+");

    /// <summary>Every forbidden reference in <paramref name="text"/> (comments and strings ignored), as "line N: text".</summary>
    public static IReadOnlyList<string> Violations(string text)
    {
        var lines = SourceReferences.CodeOnly(text).Split('\n');
        return lines.Select((l, i) => (l, i)).Where(x => Forbidden.IsMatch(x.l)).Select(x => $"line {x.i + 1}: {x.l.Trim()}").ToList();
    }

    [Fact]
    public void NoCommandUsesTensorsOrLosses()
    {
        var dir = Path.Combine(Fixtures.RepoRoot, "src", "ValueDrift.Cli");
        var files = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj")).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 10, $"only {files.Count} CLI files found");
        var problems = files.SelectMany(f => Violations(File.ReadAllText(f)).Select(v => $"{Path.GetRelativePath(Fixtures.RepoRoot, f)}: {v}")).ToList();
        Assert.True(problems.Count == 0, "the CLI parses and calls; move this into the library:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheRuleSeesDirectivesAndQualifiedNamesButNotComments()
    {
        Assert.Single(Violations("using static TorchSharp.torch;"));
        Assert.Single(Violations("using ValueDrift.Training.Objectives;"));
        Assert.Single(Violations("var l = Objectives.DpoLoss.Compute(a, b, c, d, 0.1);"));
        Assert.Single(Violations("if (d.type == TorchSharp.DeviceType.CPU) { }"));
        Assert.Empty(Violations("// TorchSharp and Training.Objectives in a comment"));
        Assert.Empty(Violations("var s = \"TorchSharp\";"));
        Assert.Empty(Violations("using ValueDrift.Training.Algorithms;"));
    }
}
