using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// The C# snippets the docs tell a reader to paste into a notebook compile in a fresh session: each fenced
/// <c>csharp</c> block of a page is one cell, the page's cells run in order in one session (as a reader pastes them),
/// compiled by Roslyn's scripting compiler — the compiler the C# kernel uses — against the notebook build
/// (artifacts/notebook, what the set-up cell's <c>#r</c> loads), with only the kernel's default imports. A snippet that
/// forgets a <c>using</c> fails here as CS0246, as it would in the reader's first cell. The set-up cell itself
/// (<c>#r</c> + <c>Notebook.Setup()</c>) is the notebooks' first cell and runs in every notebook test.
/// docs/scaling.md is left out: its block lists calls with free variables (b, t, r) as a reference, not a cell.
/// </summary>
[Trait("tier", "fast")]
public class DocSnippetTests
{
    /// <summary>What the C# kernel imports in every session before the first cell (Microsoft.DotNet.Interactive.CSharp).</summary>
    private static readonly string[] KernelImports =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"];

    public static TheoryData<string> Pages => new() { "docs/notebooks.md", "docs/attribution.md", "docs/reproduce.md", "docs/world.md" };

    /// <summary>The page's csharp blocks, in order, without the set-up cell (the one with <c>#r</c>).</summary>
    private static List<(int Line, string Code)> Cells(string page)
    {
        var lines = File.ReadAllLines(Path.Combine(Fixtures.RepoRoot, page));
        var cells = new List<(int, string)>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            int start = i + 1, end = start;
            while (end < lines.Length && lines[end].Trim() != "```") end++;
            var code = string.Join('\n', lines[start..end]);
            if (!Regex.IsMatch(code, @"^\s*#r\s", RegexOptions.Multiline)) cells.Add((start + 1, code));
            i = end;
        }
        return cells;
    }

    private static readonly Lazy<ScriptOptions> Options = new(() =>
    {
        var notebook = Path.Combine(Fixtures.RepoRoot, "artifacts", "notebook");
        Assert.True(File.Exists(Path.Combine(notebook, "ValueDrift.Interactive.dll")), "artifacts/notebook is missing: run bash environment/setup.sh");
        // The notebook build first, then the shared framework for what it does not carry.
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var dir in new[] { notebook, Path.GetDirectoryName(typeof(object).Assembly.Location)! })
            foreach (var dll in Directory.GetFiles(dir, "*.dll"))
                if (!byName.ContainsKey(Path.GetFileName(dll)) && IsManaged(dll)) byName[Path.GetFileName(dll)] = dll;
        return ScriptOptions.Default
            .WithReferences(byName.Values.Select(p => MetadataReference.CreateFromFile(p)))
            .WithImports(KernelImports);
    });

    private static bool IsManaged(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        return pe.HasMetadata;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_snippet_compiles_in_a_fresh_session(string page)
    {
        var cells = Cells(page);
        Assert.NotEmpty(cells);
        Script? session = null;
        foreach (var (line, code) in cells)
        {
            session = session is null ? CSharpScript.Create(code, Options.Value) : session.ContinueWith(code, Options.Value);
            var errors = session.Compile().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{page}, the block at line {line} does not compile in a fresh session:\n"
                + string.Join('\n', errors.Select(e => e.ToString())));
        }
    }

    [Fact]
    public void A_snippet_without_its_using_fails_as_it_would_in_the_kernel()
    {
        // The check can fail: the own-stage cell of docs/notebooks.md without `using ValueDrift.Experiments;`.
        var script = CSharpScript.Create("var mine = new Stage { Name = \"x\" };", Options.Value);
        Assert.Contains(script.Compile(), d => d.Id == "CS0246");
    }
}
