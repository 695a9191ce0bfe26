using System.Text.RegularExpressions;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Every notebook runs headless without a cell error, and the set-up notebook's outputs are the displays the
/// formatters promise: a device line, charts carrying plotly data, tables with the hand-computed drift numbers.
/// </summary>
[Collection(NotebookCollection.Name)]
public class NotebookExecutionTests(NotebookRuns runs)
{
    public static TheoryData<string> Notebooks() => new(ExecutedNotebook.All().Except(NotebookRuns.SecondLane));

    [Fact]
    public void The_project_has_notebooks()
    {
        Assert.Contains("00-setup.ipynb", ExecutedNotebook.All());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_runs_without_cell_errors(string notebook)
    {
        RanWithoutCellErrors(runs.Get(notebook));
    }

    /// <summary>No cell failed, the kernel exited cleanly, and no value fell back to the default object-tree display.</summary>
    internal static void RanWithoutCellErrors(ExecutedNotebook run)
    {
        var notebook = run.Name;
        var failures = run.Failures().ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(run.ExitCode == 0, $"dotnet repl exited {run.ExitCode} on notebooks/{notebook}:\n{Tail(run.Log)}");
        Assert.NotEmpty(run.Cells);
        // No value fell back to the default object-tree display (megabytes for a Deedle frame).
        Assert.All(run.Cells, c => Assert.DoesNotContain("dni-treeview", c.Html));
    }

    [Fact]
    public void Every_notebook_starts_with_the_same_setup_cell()
    {
        foreach (var notebook in ExecutedNotebook.All())
        {
            var first = ExecutedNotebook.Parse(File.ReadAllText(Path.Combine(ExecutedNotebook.Folder, notebook)))[0];
            Assert.Equal("csharp", first.Language);
            Assert.Equal("#r \"../artifacts/notebook/ValueDrift.Interactive.dll\"\nValueDrift.Interactive.Notebook.Setup()",
                first.Source.Replace("\r\n", "\n").Trim());
        }
    }

    /// <summary>
    /// What the Polyglot extension writes, so VS Code and Jupyter open the notebooks alike: the .NET kernelspec, the
    /// polyglot kernel list, per-cell kernel metadata, and the <c>#!fsharp</c> magic on every F# cell (Jupyter's .NET
    /// kernel routes a cell by its magic, not by VS Code's metadata).
    /// </summary>
    [Fact]
    [Trait("tier", "fast")]
    public void Notebooks_carry_the_Polyglot_metadata_and_the_fsharp_magic()
    {
        foreach (var notebook in ExecutedNotebook.All())
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(ExecutedNotebook.Folder, notebook)))!;
            var meta = json["metadata"]!;
            Assert.Equal(".net-csharp", (string?)meta["kernelspec"]?["name"]);
            Assert.Equal("polyglot-notebook", (string?)meta["language_info"]?["name"]);
            var kernels = meta["polyglot_notebook"]?["kernelInfo"];
            Assert.True(kernels is not null, $"notebooks/{notebook}: no polyglot_notebook.kernelInfo");
            Assert.Equal("csharp", (string?)kernels!["defaultKernelName"]);
            var items = kernels["items"]!.AsArray().Select(i => ((string?)i!["name"], (string?)i["languageName"])).ToList();
            Assert.Contains(items, i => i.Item1 == "csharp");
            Assert.Contains(("fsharp", "fsharp"), items);
            foreach (var cell in json["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code"))
            {
                var language = (string?)cell!["metadata"]?["dotnet_interactive"]?["language"];
                Assert.Equal(language, (string?)cell["metadata"]?["polyglot_notebook"]?["kernelName"]);
                Assert.Equal("polyglot-notebook", (string?)cell["metadata"]?["vscode"]?["languageId"]);
                var source = string.Concat(cell["source"]!.AsArray().Select(l => (string?)l));
                if (language == "fsharp")
                    Assert.True(source.StartsWith("#!fsharp\n", StringComparison.Ordinal), $"notebooks/{notebook}: an F# cell does not start with #!fsharp: `{source.Split('\n')[0]}`");
                else
                    Assert.Equal("csharp", language);
            }
        }
    }

    [Fact]
    public void Setup_cell_reports_the_device_and_loads_plotly_once()
    {
        var run = runs.Get("00-setup.ipynb");
        var setup = run.Cells[0];
        Assert.Matches(new Regex(@"device (CPU · \d+ threads|CUDA)"), setup.Text);
        Assert.Matches(new Regex(@"natives: \d+ libraries from \.\./artifacts/notebook"), setup.Text);
        Assert.Contains("plotly.js v3.7.0", setup.Html);
        // plotly.js is sent once per notebook: no other cell carries it.
        Assert.All(run.Cells.Skip(1), c => Assert.DoesNotContain("plotly.js v3.7.0", c.Html));
    }

    [Fact]
    public void Chart_cells_draw_plotly_figures()
    {
        var run = runs.Get("00-setup.ipynb");
        var trajectory = Cell(run, "new Trajectory(");
        Assert.NotNull(trajectory);
        // one stance chart per topic, each with a line per stance (plus band traces)
        Assert.Equal(2, Regex.Matches(trajectory!.Html, "Plotly.newPlot").Count);
        Assert.Contains("\"type\":\"scatter\"", trajectory.Html);
        Assert.Contains("Stance probability over training: immigration", trajectory.Html);
        Assert.Contains("{\"text\":\"Stance probability over training: climate change\"}", trajectory.Html);

        var heatmap = Cell(run, "MagnitudeHeatmap");
        Assert.NotNull(heatmap);
        Assert.Contains("\"type\":\"heatmap\"", heatmap!.Html);
    }

    [Fact]
    public void Drift_table_cell_shows_the_hand_computed_magnitudes()
    {
        var run = runs.Get("00-setup.ipynb");
        var table = Cell(run, "DriftTable.From");
        Assert.NotNull(table);
        Assert.Contains("Drift table: 12 rows", table!.Text); // 2 phases × 2 topics × 3 stances
        // immigration, support: SFT 0.20 → 0.70, DPO 0.70 → 0.40 (typed into the notebook)
        Assert.Matches(new Regex(@"<td[^>]*>sft</td><td[^>]*>immigration</td><td[^>]*>support</td><td[^>]*>0\.200</td><td[^>]*>0\.700</td>.*?<td[^>]*>\+0\.500</td>"), table.Html);
        Assert.Matches(new Regex(@"<td[^>]*>dpo</td><td[^>]*>immigration</td><td[^>]*>support</td><td[^>]*>0\.700</td><td[^>]*>0\.400</td>.*?<td[^>]*>-0\.300</td>"), table.Html);
    }

    [Fact]
    public void FSharp_cell_reads_the_shared_trace_into_a_Deedle_table()
    {
        var run = runs.Get("00-setup.ipynb");
        var fsharp = run.Cells.Single(c => c.Language == "fsharp");
        Assert.Contains("#!share --from csharp tracePath", fsharp.Source);
        Assert.Contains("Frame: 2 rows × 3 columns", fsharp.Text);
        // mean support of immigration: SFT (0.20 + 0.55 + 0.70) / 3 = 0.483, DPO (0.70 + 0.50 + 0.40) / 3 = 0.533
        Assert.Matches(new Regex(@"<td[^>]*>sft</td><td[^>]*>0\.483</td>"), fsharp.Html);
        Assert.Matches(new Regex(@"<td[^>]*>dpo</td><td[^>]*>0\.533</td>"), fsharp.Html);
    }

    internal static ExecutedCell? Cell(ExecutedNotebook run, string sourceContains) =>
        run.Cells.FirstOrDefault(c => c.Source.Replace("\r\n", "\n").Contains(sourceContains, StringComparison.Ordinal));

    private static string Tail(string log) => log.Length > 3000 ? log[^3000..] : log;
}
