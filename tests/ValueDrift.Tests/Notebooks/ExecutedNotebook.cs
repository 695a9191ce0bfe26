using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace ValueDrift.Tests.Notebooks;

/// <summary>One output of an executed cell: its kind ("display_data", "stream", "error", ...), its text per MIME type, and the error text.</summary>
public sealed record CellOutput(string Kind, IReadOnlyDictionary<string, string> Data, string? Error)
{
    public string Html => Data.TryGetValue("text/html", out var h) ? h : "";
}

/// <summary>A code cell of an executed notebook: its position among all cells, kernel, source and outputs.</summary>
public sealed record ExecutedCell(int Index, string Language, string Source, IReadOnlyList<CellOutput> Outputs)
{
    public string Html => string.Concat(Outputs.Select(o => o.Html));

    /// <summary>The cell's HTML with entities decoded, for matching visible text.</summary>
    public string Text => WebUtility.HtmlDecode(Html) + string.Concat(Outputs.SelectMany(o => o.Data.Where(d => d.Key == "text/plain").Select(d => d.Value)));

    public override string ToString() => $"cell {Index} ({Language}, `{Source.Split('\n')[0].Trim()}`)";
}

/// <summary>
/// A notebook run headless by dotnet-repl (the local tool of the repository's manifest), from the notebook's own
/// folder as VS Code runs it, with the executed copy parsed back.
/// </summary>
public sealed record ExecutedNotebook(string Name, int ExitCode, string Log, string OutputPath, IReadOnlyList<ExecutedCell> Cells, TimeSpan Elapsed)
{
    public static string Folder => Path.Combine(Fixtures.RepoRoot, "notebooks");

    /// <summary>
    /// The cache the notebooks' kernels use (their VALUEDRIFT_CACHE): the one the test process was given, so CI can
    /// keep it between runs, else the repository's .cache/ (ignored by git), so tests write nothing outside the repo.
    /// </summary>
    public static string Cache =>
        Environment.GetEnvironmentVariable("VALUEDRIFT_CACHE") is { Length: > 0 } c ? c : Path.Combine(Fixtures.RepoRoot, ".cache");

    /// <summary>Every notebook of the project (notebooks/*.ipynb), by file name.</summary>
    public static IReadOnlyList<string> All() =>
        Directory.GetFiles(Folder, "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>
    /// Runs <paramref name="name"/> (a file of notebooks/, or a full path) from the notebook's folder and writes the
    /// executed copy to <paramref name="outputDir"/>.
    /// </summary>
    public static ExecutedNotebook Run(string name, string outputDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var path = Path.Combine(Folder, name);
        name = Path.GetFileName(path);
        var output = Path.Combine(outputDir, name);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(path)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "repl", "--run", name, "--exit-after-run", "--output-path", output }) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // One cache for every notebook of a test run: the base model is pretrained once, whatever the notebook.
        psi.Environment["VALUEDRIFT_CACHE"] = Cache;
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        // Generous: a hang, not a slow machine, should fail this (the first notebook may pretrain the shared base model,
        // and other test classes share the cores).
        if (!p.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"notebooks/{name} did not finish within 15 minutes");
        }
        var log = stdout.Result + stderr.Result;
        var cells = File.Exists(output) ? Parse(File.ReadAllText(output)) : [];
        return new ExecutedNotebook(name, p.ExitCode, log, output, cells, clock.Elapsed);
    }

    /// <summary>The code cells of an .ipynb with their outputs (text fields may be strings or arrays of lines).</summary>
    public static IReadOnlyList<ExecutedCell> Parse(string json)
    {
        var cells = new List<ExecutedCell>();
        var all = JsonNode.Parse(json)!["cells"]!.AsArray();
        for (var i = 0; i < all.Count; i++)
        {
            var c = all[i]!;
            if ((string?)c["cell_type"] != "code") continue;
            var language = (string?)c["metadata"]?["dotnet_interactive"]?["language"] ?? "csharp";
            var outputs = (c["outputs"]?.AsArray() ?? []).Select(o => new CellOutput(
                (string?)o!["output_type"] ?? "",
                // A stream output (what the cell wrote to stdout/stderr) has its text beside "data": read as text/plain.
                (string?)o["output_type"] == "stream"
                    ? new Dictionary<string, string> { ["text/plain"] = Join(o["text"]) }
                    : (o["data"]?.AsObject() ?? []).ToDictionary(kv => kv.Key, kv => Join(kv.Value)),
                o["output_type"]?.GetValue<string>() == "error" ? $"{(string?)o["ename"]}: {(string?)o["evalue"]}" : null)).ToList();
            cells.Add(new ExecutedCell(i, language, Join(c["source"]), outputs));
        }
        return cells;
    }

    private static string Join(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(x => (string?)x)),
        null => "",
        _ => (string?)node ?? "",
    };

    /// <summary>Every failed cell, each named with its notebook and first source line.</summary>
    public IEnumerable<string> Failures() =>
        from cell in Cells
        from o in cell.Outputs
        where o.Error is not null
        select $"notebooks/{Name} {cell}: {o.Error!.Split('\n')[0]}";
}
