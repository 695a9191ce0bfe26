using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Runs each notebook at most once per test run and shares the executed copy between tests and between the two
/// notebook lanes (a notebook takes from seconds to minutes). The local tools are restored first, as
/// environment/setup.sh does. Every kernel gets the same cache (<see cref="ExecutedNotebook.Cache"/>), so the first
/// notebook pretrains the base model for all (a second kernel waits for it).
/// </summary>
public sealed class NotebookRuns
{
    /// <summary>
    /// The notebooks the second lane runs (<see cref="SecondNotebookCollection"/>): the two longest, so the lanes take
    /// about as long. No test of the first lane may ask for them, or that lane would run them itself.
    /// </summary>
    public static readonly IReadOnlyList<string> SecondLane = ["02-value-gap.ipynb", "05-attribution.ipynb"];

    private static readonly ConcurrentDictionary<string, Lazy<ExecutedNotebook>> Runs = new();
    private static readonly Lazy<string> Output = new(() =>
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
        Runs.GetOrAdd(name, n => new Lazy<ExecutedNotebook>(() => ExecutedNotebook.Run(n, Output.Value))).Value;

    public string OutputDir => Output.Value;
}

/// <summary>
/// Tests that start notebook kernels run in two lanes, each one test after another: this one and
/// <see cref="SecondNotebookCollection"/>. A kernel's stages keep about one of the 2 cores busy, so two at a time use
/// the machine once the other test classes are done.
/// </summary>
[CollectionDefinition(Name)]
public sealed class NotebookCollection : ICollectionFixture<NotebookRuns>
{
    public const string Name = "Notebooks run headless";
}

/// <summary>The second notebook lane: the tests of <see cref="NotebookRuns.SecondLane"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SecondNotebookCollection : ICollectionFixture<NotebookRuns>
{
    public const string Name = "Notebooks run headless, second lane";
}
