using System.Diagnostics;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Tests.Drift;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>The F# script run with dotnet fsi, and the notebook's native loading when a foreign libtorch is on the loader's path.</summary>
[Collection(NotebookCollection.Name)]
public class ScriptAndNativeTests(NotebookRuns runs)
{
    private static (int Exit, string Stdout, string Stderr) Fsi(params string[] args) => RunFsi(["notebooks/scripts/trajectory.fsx", .. args]);

    private static (int Exit, string Stdout, string Stderr) RunFsi(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Fixtures.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "fsi" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3))) { p.Kill(true); Assert.Fail("dotnet fsi did not finish within 3 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Trajectory_script_prints_the_drift_table_of_a_trace()
    {
        var dir = Fixtures.TempDir("fsx-trajectory");
        var trace = Path.Combine(dir, "trace.jsonl");
        using (var w = new TraceWriter(trace)) w.AppendAll(TestTrajectories.TwoPhases().Records());

        var (exit, stdout, stderr) = Fsi(trace);
        Assert.True(exit == 0, $"dotnet fsi exited {exit}:\n{stderr}");
        var lines = stdout.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"\s+", " ")).ToList();
        Assert.Contains(lines, l => l.EndsWith("sft -> dpo; 2 topics"));
        // hand values from TestTrajectories.TwoPhases: immigration support 0.20 → 0.78 in SFT; oppose 0.60 → 0.11 in DPO
        Assert.Contains(lines, l => l.StartsWith("sft immigration support 0.200 0.780 +0.580 "));
        Assert.Contains(lines, l => l.StartsWith("dpo immigration oppose 0.600 0.110 -0.490 "));
        Assert.Contains(lines, l => l.StartsWith("dpo climate change neutral 0.300 0.300 0.000 "));
        Assert.Equal(12, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^(sft|dpo) .* (support|neutral|oppose) ")));
        // Deedle pivot: largest |magnitude| of immigration is 0.58 in SFT, 0.49 in DPO
        Assert.Contains(lines, l => l == "immigration -> 0.58 0.49");
    }

    /// <summary>
    /// The F# helper's <c>withSteps</c> (notebooks/scripts/ValueDriftFs.fsx) changes the three stage lengths and keeps
    /// every other option: its copy, serialised in F#, equals the C# <c>with</c> copy serialised here.
    /// </summary>
    [Fact]
    public void FSharp_helper_withSteps_changes_the_stage_lengths_and_keeps_every_other_option()
    {
        var dir = Fixtures.TempDir("fsx-withsteps");
        var helper = Path.Combine(Fixtures.RepoRoot, "notebooks", "scripts", "ValueDriftFs.fsx");
        var script = Path.Combine(dir, "withsteps.fsx");
        File.WriteAllText(script, $$"""
            #load @"{{helper}}"
            open ValueDriftFs
            let o = smallOptions @"{{dir}}" @"{{dir}}"
            printfn "%s" (System.Text.Json.JsonSerializer.Serialize(withSteps 7 3 o))
            """);

        var (exit, stdout, stderr) = RunFsi([script]);
        Assert.True(exit == 0, $"dotnet fsi exited {exit}:\n{stderr}");
        var small = ValueDrift.Interactive.NotebookSizes.Small(dir, dir);
        Assert.NotEqual(7, small.SftSteps);
        var expected = small with { SftSteps = 7, Budget = small.Budget with { OptimizerSteps = 3 } };
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expected), stdout.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void Trajectory_script_reports_a_missing_trace_with_its_path()
    {
        var (exit, _, stderr) = Fsi("no-such-trace.jsonl");
        Assert.Equal(2, exit);
        Assert.Contains("no-such-trace.jsonl", stderr);
    }

    /// <summary>
    /// A foreign libtorch found first by the loader (as when Debian's python3-torch puts one in the system library
    /// folder) broke TorchSharp in notebooks. Here LD_LIBRARY_PATH points at a folder whose libtorch_cpu.so,
    /// libtorch.so and libc10.so are some other shared library. Initialising TorchSharp directly fails there (the
    /// control: the environment does break it); after Notebook.Setup(), which loads our natives by absolute path
    /// first, tensors work.
    /// </summary>
    [Fact]
    public void Setup_keeps_TorchSharp_working_when_a_foreign_libtorch_comes_first()
    {
        var dir = Fixtures.TempDir("foreign-libtorch");
        var fake = Path.Combine(dir, "lib");
        Directory.CreateDirectory(fake);
        var notebookFolder = Path.Combine(Fixtures.RepoRoot, "artifacts", "notebook");
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch.so", "libc10.so" })
            File.Copy(Path.Combine(notebookFolder, "libtorch_global_deps.so"), Path.Combine(fake, name));
        var env = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = fake };
        var dll = Path.Combine(notebookFolder, "ValueDrift.Interactive.dll");

        string Write(string name, string first) =>
            WriteNotebook(Path.Combine(dir, name), $"#r \"{dll}\"\n{first}", "TorchSharp.torch.ones(3).sum().item<float>()");

        var without = ExecutedNotebook.Run(Write("without-setup.ipynb", "ValueDrift.Models.TorchRuntime.Describe()"), runs.OutputDir, env);
        Assert.NotEmpty(without.Failures());

        var with = ExecutedNotebook.Run(Write("with-setup.ipynb", "ValueDrift.Interactive.Notebook.Setup()"), runs.OutputDir, env);
        Assert.True(!with.Failures().Any(), string.Join("\n", with.Failures()));
        Assert.Contains("3", with.Cells[1].Text);
    }

    /// <summary>
    /// A failed stage cell, as the kernel itself shows it: the error is one line (the stage and the cause's message);
    /// the stack trace sits above it in a collapsed details element.
    /// </summary>
    [Fact]
    public void A_failed_stage_cell_shows_one_line_and_the_stack_collapsed()
    {
        var dir = Fixtures.TempDir("failed-cell");
        var dll = Path.Combine(Fixtures.RepoRoot, "artifacts", "notebook", "ValueDrift.Interactive.dll");
        var path = WriteNotebook(Path.Combine(dir, "failed.ipynb"), $"#r \"{dll}\"\nValueDrift.Interactive.Notebook.Setup()",
            "throw ValueDrift.Interactive.StageFailedException.Raise(\"sft-x\", new System.IO.FileNotFoundException(\"data.jsonl: file not found\"), null);");
        var run = ExecutedNotebook.Run(path, runs.OutputDir);
        Assert.Equal(["notebooks/failed.ipynb cell 1 (csharp, `throw ValueDrift.Interactive.StageFailedException.Raise(\"sft-x\", new System.IO.FileNotFoundException(\"data.jsonl: file not found\"), null);`): Error: sft-x failed: data.jsonl: file not found"],
            run.Failures());
        var cell = run.Cells[1];
        Assert.DoesNotContain('\n', cell.Outputs.Single(o => o.Error is not null).Error!);
        Assert.Contains("<details><summary>sft-x failed: data.jsonl: file not found (the stack trace)</summary><pre>System.IO.FileNotFoundException", cell.Html);
    }

    private static string WriteNotebook(string path, params string[] cells)
    {
        var nb = new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(src => (JsonNode)new JsonObject
            {
                ["cell_type"] = "code",
                ["execution_count"] = null,
                ["metadata"] = new JsonObject { ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" } },
                ["outputs"] = new JsonArray(),
                ["source"] = src,
            }).ToArray()),
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 2,
        };
        File.WriteAllText(path, nb.ToJsonString());
        return path;
    }
}
