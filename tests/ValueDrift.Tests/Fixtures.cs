namespace ValueDrift.Tests;

/// <summary>Locates the reference fixtures the tests carry in tests/fixtures (their origin: tests/fixtures/PROVENANCE.md).</summary>
public static class Fixtures
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Dir => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string In(params string[] parts) => Path.Combine([Dir, .. parts]);

    public static string TinyQwen3 => Path.Combine(Dir, "tiny-qwen3");
    public static string TinyQwen3Reference => Path.Combine(Dir, "tiny-qwen3-reference");
    public static string TinyLlama3 => Path.Combine(Dir, "tiny-llama3");
    public static string Qwen3Tokenizer => Path.Combine(Dir, "qwen3-tokenizer");
    public static string Objectives => Path.Combine(Dir, "objectives-tiny-qwen3.json");

    /// <summary>Small files in each published data schema, written by the project (tests/fixtures/data, in the repository).</summary>
    public static string DataFile(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "data", name);

    /// <summary>
    /// A fresh empty folder under the test output, deleted when the test that made it ends
    /// (<see cref="DeleteTempDirsAfterEachTestAttribute"/>). Static and lazy fields that tests share use
    /// <see cref="SharedTempDir"/> instead.
    /// </summary>
    public static string TempDir(string name)
    {
        var d = SharedTempDir(name);
        DeleteTempDirsAfterEachTestAttribute.Made.Value?.Enqueue(d);
        return d;
    }

    /// <summary>A fresh empty folder under the test output that outlives the test that made it (for shared fixtures).</summary>
    public static string SharedTempDir(string name)
    {
        var d = Path.Combine(AppContext.BaseDirectory, "tmp", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static string FindRepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "ValueDrift.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("ValueDrift.sln not found above " + AppContext.BaseDirectory);
    }
}
