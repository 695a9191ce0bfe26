using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Runs each notebook at most once per test run and shares the executed copy between tests (a run takes 5–20 s with
/// the base model cached). The local tools are restored first, as environment/setup.sh does. Every kernel gets the
/// same cache (<see cref="ExecutedNotebook.Cache"/>), so the first notebook pretrains the base model for all.
/// </summary>
public sealed class NotebookRuns
{
    private readonly ConcurrentDictionary<string, Lazy<ExecutedNotebook>> _runs = new();
    private readonly Lazy<string> _outputDir = new(() =>
    {
        var restore = Process.Start(new ProcessStartInfo("dotnet", "tool restore")
        {
            WorkingDirectory = Fixtures.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var log = restore.StandardOutput.ReadToEnd() + restore.StandardError.ReadToEnd();
        restore.WaitForExit();
        Assert.True(restore.ExitCode == 0, "dotnet tool restore failed:\n" + log);
        Assert.True(File.Exists(Path.Combine(Fixtures.RepoRoot, "artifacts", "notebook", "ValueDrift.Interactive.dll")),
            "artifacts/notebook is missing: build the solution (bash environment/setup.sh)");
        return Fixtures.SharedTempDir("notebooks-executed");
    });

    public ExecutedNotebook Get(string name) =>
        _runs.GetOrAdd(name, n => new Lazy<ExecutedNotebook>(() => ExecutedNotebook.Run(n, _outputDir.Value))).Value;

    public string OutputDir => _outputDir.Value;
}

/// <summary>Tests that start notebook kernels share one collection, so they run one after another (2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class NotebookCollection : ICollectionFixture<NotebookRuns>
{
    public const string Name = "Notebooks run headless";
}
