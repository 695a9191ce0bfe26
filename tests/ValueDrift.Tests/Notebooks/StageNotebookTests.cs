using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// The numbered notebooks that train the world's model one stage per cell (01–04) and the F# pipeline script: every
/// stage cell shows the chart of stance change, and what the outputs say agrees with the traces the runs wrote,
/// recomputed here from the trace files.
/// </summary>
[Collection(NotebookCollection.Name)]
public class StageNotebookTests(NotebookRuns runs)
{
    internal static string RunFolder(string name) => Path.Combine(ExecutedNotebook.Folder, "runs", name);

    /// <summary>Topics at the notebooks' size (the demo's world: four).</summary>
    internal static readonly int Topics = ValueDrift.WorldRuns.WorldExperimentOptions.Notebook("run", null).World.Topics!.Count;

    /// <summary>The largest |end − start| of a phase over topics and stances, computed from the trace's first and last step.</summary>
    internal static (string Topic, Stance Stance, double Delta, double Start, double End) Largest(string tracePath, string phase)
    {
        var records = TraceReader.Read(tracePath).Records.Where(r => r.Phase == phase).ToList();
        Assert.NotEmpty(records);
        return records.GroupBy(r => r.Topic).SelectMany(g =>
        {
            var first = g.MinBy(r => r.Step)!; var last = g.MaxBy(r => r.Step)!;
            return StanceLabels.All.Select(s => (g.Key, s, last.Value[s] - first.Value[s], first.Value[s], last.Value[s]));
        }).MaxBy(x => Math.Abs(x.Item3));
    }

    internal static string Signed(double v) => v.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);

    [Fact]
    public void Each_stage_cell_shows_the_chart_of_stance_change() =>
        StageCellsShowTheirChange(runs.Get("01-value-drift-walkthrough.ipynb"), "sft-supportive,dpo-standard,simpo-standard,ppo-standard");

    /// <summary>
    /// Every stage cell of <paramref name="run"/> (in order: <paramref name="phases"/>) shows the Δp bars of both probes
    /// and a stance chart per topic, and names the likelihood probe's largest change as its trace has it.
    /// </summary>
    internal static void StageCellsShowTheirChange(ExecutedNotebook run, string phases)
    {
        var notebook = run.Name;
        var stageCells = run.Cells.Where(c => c.Source.Contains("session.Run(\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(phases.Split(','), stageCells.Select(c => Regex.Match(c.Source, "session.Run\\(\"([^\"]+)\"").Groups[1].Value));
        var likelihoodTrace = Path.Combine(RunFolder(Path.GetFileNameWithoutExtension(notebook)), "trace-likelihood.jsonl");
        foreach (var (cell, phase) in stageCells.Zip(phases.Split(',')))
        {
            // Δp bars for both probes, then the stance lines of each topic.
            // (a PPO stage's cell also charts its optimisation per step)
            Assert.Equal(2 + Topics + (phase.StartsWith("ppo", StringComparison.Ordinal) ? 1 : 0), Regex.Matches(cell.Html, "Plotly.newPlot").Count);
            Assert.Contains("\"type\":\"bar\"", cell.Html);
            Assert.Contains($"Stance change in {phase} (generation probe)", cell.Text);
            Assert.Contains($"Stance change in {phase} (likelihood probe)", cell.Text);
            // The one-line summary names the largest change of the likelihood probe, as the trace has it.
            var (topic, stance, delta, start, end) = Largest(likelihoodTrace, phase);
            var expected = FormattableString.Invariant($"likelihood probe: largest change {topic} {stance.Label()} {Signed(delta)} ({start:0.00} → {end:0.00})");
            Assert.Contains(expected, cell.Text);
            Assert.Matches(new Regex($"<p>{Regex.Escape(phase)}: "), cell.Html);
            // Headless, the progress is lines in the cell's output: at least each phase's last step.
            Assert.Matches(new Regex($@"{Regex.Escape(phase)} from \S+: \w+ step (\d+)/\1 · loss -?[0-9.]+ · done in \d+ s"), cell.Text);
        }
        // Preference stages start from the SFT checkpoint: their step 0 is the SFT stage's last measurement.
        var trace = TraceReader.Read(likelihoodTrace).Records;
        var sftEnd = trace.Where(r => r.Phase == "sft-supportive").MaxBy(r => r.Step)!;
        foreach (var phase in phases.Split(',').Skip(1))
        {
            var start = trace.Single(r => r.Phase == phase && r.Step == 0 && r.Topic == sftEnd.Topic);
            Assert.Equal(sftEnd.Value.Support, start.Value.Support, 6);
        }
    }

    [Fact]
    public void Walkthrough_closes_with_the_drift_tables_of_every_stage()
    {
        var run = runs.Get("01-value-drift-walkthrough.ipynb");
        // The generation probe's (the paper's measurement, with intervals), then the likelihood probe's; 4 stages ×
        // the topics × 3 stances, the base model excluded.
        var generation = NotebookExecutionTests.Cell(run, "var table = session.DriftTable();")!;
        Assert.Contains($"Drift table: {4 * Topics * 3} rows", generation.Text);
        Assert.Contains("95% CI", generation.Text);
        var likelihood = run.Cells.Single(c => c.Source.Trim() == "session.DriftTable(likelihood: true)");
        Assert.True(likelihood.Index > generation.Index);
        Assert.Contains($"Drift table: {4 * Topics * 3} rows", likelihood.Text);
    }

    /// <summary>What a cell printed (its stream outputs), read from the executed file.</summary>
    internal static string Printed(ExecutedNotebook run, ExecutedCell cell)
    {
        var outputs = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(run.OutputPath))!["cells"]![cell.Index]!["outputs"]!.AsArray();
        return string.Concat(outputs.Where(o => (string?)o!["output_type"] == "stream")
            .SelectMany(o => o!["text"] is System.Text.Json.Nodes.JsonArray a ? a.Select(x => (string?)x) : [(string?)o!["text"]]));
    }

    internal static ExecutedCell Cell(ExecutedNotebook run, string source) =>
        run.Cells.SingleOrDefault(c => c.Source.Replace("\r\n", "\n").Trim() == source) ?? throw new Xunit.Sdk.XunitException($"no cell `{source}` in notebooks/{run.Name}");

    /// <summary>
    /// Each "what you should see" of the walkthrough's stages ends with the verdict its own numbers give, and none of
    /// them contradicts the text: where a run would, the text is wrong and must say what the run shows.
    /// </summary>
    [Fact]
    public void Walkthrough_verdicts_come_from_the_run_and_none_contradicts_the_text()
    {
        var run = runs.Get("01-value-drift-walkthrough.ipynb");
        foreach (var (variable, expected) in new[] { ("sft", "support rises"), ("dpo", "support moves less than in sft-supportive"),
                     ("simpo", "support moves less than in sft-supportive"), ("ppo", "support moves less than in sft-supportive") })
        {
            var printed = Printed(run, NotebookExecutionTests.Cell(run, $"{variable}.Expect(")!);
            Assert.Contains($"Expected: {expected}. This run, by each topic's 95% interval: ", printed);
            Assert.DoesNotContain("contradicts the expectation", printed);
        }
        var table = Printed(run, NotebookExecutionTests.Cell(run, "var table = session.DriftTable();")!);
        Assert.Contains("sft-supportive: largest |M| ", table);
    }

    [Fact]
    public void Walkthrough_prints_the_numbers_its_markdown_would_otherwise_quote()
    {
        var run = runs.Get("01-value-drift-walkthrough.ipynb");
        var trace = TraceReader.Read(Path.Combine(RunFolder("01-value-drift-walkthrough"), "trace.jsonl")).Records;
        // The base model's stances, as measured.
        var basePrinted = Printed(run, NotebookExecutionTests.Cell(run, "Where(r => r.Phase == \"base\")")!);
        foreach (var r in trace.Where(r => r.Phase == "base"))
            Assert.Contains(FormattableString.Invariant($"base model, {r.Topic}: support {r.Value.Support:0.00}, neutral {r.Value.Neutral:0.00}, oppose {r.Value.Oppose:0.00} ({r.N} judged answers)"), basePrinted);
        // "What you should see" after each stage: start → end and M of the generation probe, from the trace.
        foreach (var (phase, stance) in new[] { ("sft-supportive", "support"), ("dpo-standard", "support"), ("simpo-standard", "support"), ("ppo-standard", "support"), ("sft-sceptical", "oppose") })
        {
            var variable = phase switch { "sft-supportive" => "sft", "dpo-standard" => "dpo", "simpo-standard" => "simpo", "ppo-standard" => "ppo", _ => "sceptical" };
            var printed = Printed(run, NotebookExecutionTests.Cell(run, $"{variable}.Say(Stance.{char.ToUpperInvariant(stance[0])}{stance[1..]});")!);
            var s = StanceLabels.Parse(stance, "test", 0, "stance");
            foreach (var topic in trace.Where(r => r.Phase == phase).Select(r => r.Topic).Distinct())
            {
                var series = trace.Where(r => r.Phase == phase && r.Topic == topic).OrderBy(r => r.Step).ToList();
                var (start, end) = (series[0].Value[s], series[^1].Value[s]);
                Assert.Contains(FormattableString.Invariant($"{phase}, {topic}: p({stance}) {start:0.00} → {end:0.00}, M = {Signed(end - start)} (95% CI "), printed);
            }
        }
        // PPO's size is printed from the stage, and the trace's last PPO step agrees with it.
        var ppo = Printed(run, NotebookExecutionTests.Cell(run, "var ppoStage = session.Stage(\"ppo-standard\");")!);
        var steps = int.Parse(Regex.Match(ppo, @"then (\d+) PPO steps").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(trace.Where(r => r.Phase == "ppo-standard").Max(r => r.Step), steps);
    }

    [Fact]
    public void Walkthrough_runs_a_stage_from_the_shipped_data_file_and_compares_two_runs()
    {
        var run = runs.Get("01-value-drift-walkthrough.ipynb");
        var folder = RunFolder("01-value-drift-walkthrough");
        var mine = NotebookExecutionTests.Cell(run, "DataPath = \"data/sceptical-sft.jsonl\"")!;
        Assert.Contains("Stance change in sft-sceptical (generation probe)", mine.Text);
        Assert.Contains("sceptical-sft.jsonl", mine.Text);    // the stage's summary names its data file
        // It started where SFT ended: step 0 of the custom stage is the supportive SFT checkpoint's last measurement.
        var trace = TraceReader.Read(Path.Combine(folder, "trace.jsonl")).Records;
        var sftEnd = trace.Where(r => r.Phase == "sft-supportive").GroupBy(r => r.Topic).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Step)!.Value.Support);
        foreach (var r in trace.Where(r => r.Phase == "sft-sceptical" && r.Step == 0)) Assert.Equal(sftEnd[r.Topic], r.Value.Support, 9);
        Assert.Equal(24, trace.Where(r => r.Phase == "sft-sceptical").Max(r => r.Step));

        // The comparison: one chart of both runs and the diff table, M(B) − M(A) recomputed from the trace.
        var compare = Cell(run, "RunComparison.Of(dpo, sceptical)");
        Assert.Single(Regex.Matches(compare.Html, "Plotly.newPlot"));
        Assert.Contains($"Comparison: {Topics * 3} rows (topic × stance), A = dpo-standard, B = sft-sceptical, generation probe", compare.Text);
        double M(string phase, string topic, Stance s)
        {
            var series = trace.Where(r => r.Phase == phase && r.Topic == topic).OrderBy(r => r.Step).ToList();
            return series[^1].Value[s] - series[0].Value[s];
        }
        foreach (var topic in trace.Where(r => r.Phase == "sft-sceptical").Select(r => r.Topic).Distinct())
            foreach (var s in StanceLabels.All)
            {
                var diff = (M("sft-sceptical", topic, s) - M("dpo-standard", topic, s)).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
                Assert.Matches(new Regex($@"<td[^>]*>{Regex.Escape(topic)}</td><td[^>]*>{s.Label()}</td>(<td[^>]*>[^<]*</td>){{6}}<td[^>]*>{Regex.Escape(diff)}</td></tr>"), compare.Html);
            }

        // The exercises' answers ran, and their inputs are collapsed in VS Code and Jupyter.
        var notebook = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(ExecutedNotebook.Folder, run.Name)))!["cells"]!.AsArray();
        foreach (var source in new[] { "RunComparison.Of(sft, sftNeutral)", "RunComparison.Of(dpo, dpoBeta)" })
        {
            var answer = NotebookExecutionTests.Cell(run, source)!;
            Assert.Equal(true, (bool?)notebook[answer.Index]!["metadata"]?["jupyter"]?["source_hidden"]);
            Assert.Contains($"Comparison: {Topics * 3} rows (topic × stance)", answer.Text);
        }

        // The trajectory as a Deedle frame and a CSV file: one line per frame row after the header.
        var csvCell = NotebookExecutionTests.Cell(run, "frame.SaveCsv(csvPath);")!;
        Assert.Contains("using Deedle;", csvCell.Source);
        var csv = File.ReadAllLines(Path.Combine(folder, "sft-sceptical-stances.csv"));
        Assert.Contains($"{csv.Length - 1} rows × ", Printed(run, csvCell));
        Assert.Equal(trace.Count(r => r.Phase == "sft-sceptical") * 3, csv.Length - 1);   // × 3 stances
        Assert.Contains("Frame: ", csvCell.Text);
    }

    [Fact]
    public void Trajectory_script_sizes_its_columns_to_the_longest_phase()
    {
        var dir = Fixtures.TempDir("fsx-trajectory-width");
        var trace = Path.Combine(dir, "trace.jsonl");
        TraceRecord R(string phase, int step, double support) => new(phase, step, "immigration", new StanceDistribution(support, (1 - support) / 2, (1 - support) / 2), 30);
        using (var w = new TraceWriter(trace))
            w.AppendAll([R("sft-supportive", 0, 0.3), R("sft-supportive", 10, 0.7), R("dpo-support-aligned", 0, 0.7), R("dpo-support-aligned", 10, 0.8)]);
        var (exit, stdout, stderr) = Fsi("notebooks/scripts/trajectory.fsx", trace);
        Assert.True(exit == 0, $"dotnet fsi exited {exit}:\n{stderr}");
        var lines = stdout.Split('\n');
        var header = lines.Single(l => l.StartsWith("phase ", StringComparison.Ordinal));
        var rows = lines.Where(l => l.StartsWith("sft-supportive ", StringComparison.Ordinal) || l.StartsWith("dpo-support-aligned ", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, rows.Count);
        // Every row's topic starts in the header's topic column: no phase overflowed into it.
        Assert.All(rows, r => Assert.Equal(header.IndexOf("topic", StringComparison.Ordinal), r.IndexOf("immigration", StringComparison.Ordinal)));
    }

    [Fact]
    public void FSharp_cells_show_the_Deedle_table_of_the_shared_trace()
    {
        var run = runs.Get("04-fsharp.ipynb");
        var fsharp = run.Cells.Where(c => c.Language == "fsharp").ToList();
        Assert.Equal(2, fsharp.Count);
        Assert.Contains("#!share --from csharp tracePath", fsharp[0].Source);   // the generation probe, as every notebook leads with
        Assert.Contains("Frame: 3 rows × 3 columns", fsharp[0].Text);   // base, sft-supportive, dpo-support-aligned × stances
        // Mean support per phase over topics and probed steps, recomputed from the trace the C# cell wrote.
        var trace = TraceReader.Read(Path.Combine(RunFolder("04-fsharp"), "trace.jsonl")).Records;
        foreach (var phase in new[] { "sft-supportive", "dpo-support-aligned" })
        {
            var mean = trace.Where(r => r.Phase == phase).Average(r => r.Value.Support);
            var shown = Regex.Match(fsharp[0].Html, $@"<td[^>]*>{phase}</td><td[^>]*>([0-9.]+)</td>").Groups[1].Value;
            Assert.Equal(mean, double.Parse(shown, CultureInfo.InvariantCulture), 5);
        }
        Assert.Contains($"Drift table: {2 * Topics * 3} rows", fsharp[1].Text);
        // The value shared back to C# names the largest change of the table.
        var back = NotebookExecutionTests.Cell(run, "#!share --from fsharp largestChange")!;
        var table = DriftTable.From(new Trajectory(trace.Where(r => r.Phase != "base")));
        var top = table.Rows.MaxBy(r => Math.Abs(r.Magnitude))!;
        Assert.Contains(FormattableString.Invariant($"Largest change (from F#): {top.Phase}: {top.Topic} {top.Stance.Label()} {top.Magnitude:+0.000;-0.000}"), back.Text);
    }

    private static (int Exit, string Stdout, string Stderr) Fsi(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Fixtures.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "fsi" }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["VALUEDRIFT_CACHE"] = ExecutedNotebook.Cache;   // the base model the notebooks' kernels share
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(15))) { p.Kill(true); Assert.Fail("dotnet fsi did not finish within 15 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Pipeline_script_prints_the_drift_table_of_its_run()
    {
        var dir = Fixtures.TempDir("fsx-pipeline");
        var (exit, stdout, stderr) = Fsi("notebooks/scripts/run-pipeline.fsx", dir);
        Assert.True(exit == 0, $"dotnet fsi exited {exit}:\n{stderr}\n{stdout}");

        var lines = stdout.Split('\n').Select(l => Regex.Replace(l.Trim(), @"\s+", " ")).ToList();
        var start = lines.FindIndex(l => l.StartsWith("drift table (likelihood probe):", StringComparison.Ordinal));
        Assert.True(start >= 0, stdout);
        var printed = lines.Skip(start + 2).TakeWhile(l => l.Length > 0).ToList();
        var trace = TraceReader.Read(Path.Combine(dir, "trace-likelihood.jsonl")).Records.Where(r => r.Phase != "base");
        var table = DriftTable.From(new Trajectory(trace));
        Assert.Equal(2 * Topics * 3, table.Rows.Count);   // sft-supportive and dpo-support-aligned × the topics × 3 stances
        Assert.Equal(table.Rows.Select(r => FormattableString.Invariant(
            $"{r.Phase} {r.Topic} {r.Stance.Label()} {r.Start:0.000} {r.End:0.000} {r.Magnitude:+0.000;-0.000;0.000}")), printed.Select(l => string.Join(' ', l.Split(' ')[..6])));
    }
}
