using System.Text;
using System.Text.RegularExpressions;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Architecture;

/// <summary>
/// <see cref="Algorithm"/> is the one extension point (docs/architecture.md): every fact about a method is a member of
/// its record, so no file outside src/ValueDrift/Training/Algorithms (and Training/Objectives, where the losses live)
/// may switch on a method — by its type (<c>is Dpo</c>, <c>as Ppo</c>, <c>case Sft</c>, <c>Dpo =&gt;</c>, a cast, a
/// <c>typeof</c>) or by its name (<c>"dpo" =&gt;</c>, <c>case "ppo"</c>, <c>== "simpo"</c>, a list of names). The
/// names and types are the registry's, so a new record is covered without an edit here.
/// </summary>
[Trait("tier", "fast")]
public class AlgorithmSwitchTests
{
    /// <summary>Folders, relative to the repository root, whose files may name methods: the records and their losses.</summary>
    private static readonly string[] Owners = ["src/ValueDrift/Training/Algorithms/", "src/ValueDrift/Training/Objectives/"];

    /// <summary>Every switch on a method in <paramref name="code"/> (comments removed), as "line N: text".</summary>
    public static IReadOnlyList<string> Switches(string text, IReadOnlyList<string> names, IReadOnlyList<string> types)
    {
        var code = WithoutComments(text);
        var type = $"(?:ValueDrift\\.)?(?:Training\\.)?(?:Algorithms\\.)?(?:{string.Join("|", types)})";
        var name = $"\"(?:{string.Join("|", names.Select(Regex.Escape))})\"";
        var patterns = new[]
        {
            $@"\b(?:is|as|case)\s+(?:not\s+)?{type}\b",        // is Dpo, is not Ppo, as Ppo, case Sft
            $@"\btypeof\s*\(\s*{type}\s*\)",                    // typeof(Dpo)
            $@"\(\s*{type}\s*\)\s*[\w(]",                        // (Ppo)algorithm
            $@"(?:^|[,{{(]|\bor|\band)\s*{type}\s*(?:\{{[^}}]*\}}\s*)?(?:\w+\s*)?=>",   // switch arm: Dpo => …, Ppo { … } p => …
            $@"OfType\s*<\s*{type}\s*>",                         // OfType<Ppo>()
            $@"{name}\s*(?:=>|==|!=)",                           // "dpo" => …, "ppo" == x
            $@"(?:==|!=|\bcase|\bis)\s*{name}",                  // x == "dpo", case "ppo", is "sft"
            $@"\.Equals\s*\(\s*{name}",                          // name.Equals("dpo")
            $@"{name}\s*,\s*{name}",                             // a list of methods: { "dpo", "simpo", … }
        };
        var found = new List<string>();
        var lines = code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (patterns.Any(p => Regex.IsMatch(lines[i], p)))
                found.Add($"line {i + 1}: {lines[i].Trim()}");
        return found;
    }

    /// <summary>The text with // and /* */ comments blanked; string literals (regular, verbatim, raw) kept.</summary>
    public static string WithoutComments(string text)
    {
        var sb = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') { sb.Append(' '); i++; }
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                for (; i < end; i++) sb.Append(text[i] == '\n' ? '\n' : ' ');
            }
            else if (c == '"' && text.AsSpan(i).StartsWith("\"\"\""))
            {
                int end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 3;
                sb.Append(text, i, end - i); i = end;
            }
            else if (c == '"' || c == '\'')
            {
                bool verbatim = i > 0 && text[i - 1] == '@' || i > 1 && text[i - 1] == '$' && text[i - 2] == '@';
                sb.Append(c); i++;
                while (i < text.Length && text[i] != c && text[i] != '\n')
                {
                    if (text[i] == '\\' && !verbatim && i + 1 < text.Length) { sb.Append(text[i]); i++; }
                    sb.Append(text[i]); i++;
                }
                if (i < text.Length) { sb.Append(text[i]); i++; }
            }
            else { sb.Append(c); i++; }
        }
        return sb.ToString();
    }

    private static IReadOnlyList<string> Names => AlgorithmRegistry.Names;
    private static IReadOnlyList<string> Types => AlgorithmRegistry.All.Select(a => a.GetType().Name).ToList();

    [Fact]
    public void NoFileOutsideTheRecordsSwitchesOnAMethod()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Fixtures.RepoRoot, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Fixtures.RepoRoot, p).Replace('\\', '/'))
            .Where(p => !p.Split('/').Any(d => d is "bin" or "obj") && !Owners.Any(p.StartsWith))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found");
        var problems = files.SelectMany(f => Switches(File.ReadAllText(Path.Combine(Fixtures.RepoRoot, f)), Names, Types).Select(s => $"{f}: {s}")).ToList();
        Assert.True(problems.Count == 0, "switch on a method outside its record (make the fact a member of Algorithm):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheScannerFindsEachFormOfSwitchButNotCommentsOrOtherNames()
    {
        string[] names = ["dpo", "ppo", "sft", "simpo"], types = ["Dpo", "Ppo", "Sft", "SimPo"];
        foreach (var code in new[]
        {
            "if (a is Ppo) x();", "var p = a as Ppo;", "if (a is not Ppo) x();", "case Sft:", "return a is Dpo { Reference: not null };",
            "var t = typeof(SimPo);", "var k = ((Ppo)a).Options;", "a switch { Dpo => 1, _ => 0 }", "a switch { Training.Algorithms.Ppo p => 1 }",
            "a switch { Ppo { RewardModel: null } p => 1 }", "xs.OfType<Ppo>()", "name switch { \"dpo\" => 1 }", "if (name == \"ppo\")",
            "case \"simpo\":", "var all = new[] { \"dpo\", \"simpo\", \"ppo\" };", "if (\"sft\" != n)", "n.Equals(\"dpo\")",
        })
            Assert.True(Switches(code, names, types).Count == 1, code);
        foreach (var code in new[]
        {
            "// a is Ppo, \"dpo\" => 1", "/* case Sft: */", "var d = new Dpo { Beta = 0.1 };", "const string Main = \"ppo\";",
            "Algorithm WithCache(string root) => this;", "var s = \"the dpo stage\";", "x => x.Name", "var r = recipe.Labelled<Ppo>(\"ppo\");",
            "bool IsPpoLike => true;", "var url = \"http://x\"; var y = 1;",
        })
            Assert.True(Switches(code, names, types).Count == 0, code);
    }
}
