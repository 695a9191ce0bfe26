using System.Collections.Concurrent;
using System.Reflection;
using Xunit.Sdk;

[assembly: ValueDrift.Tests.DeleteTempDirsAfterEachTest]

namespace ValueDrift.Tests;

/// <summary>
/// Deletes the folders a test made through <see cref="Fixtures.TempDir"/> once the test ends. The suite trains and
/// checkpoints hundreds of small models (several gigabytes in all), and a CI machine's disk has no set size.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class DeleteTempDirsAfterEachTestAttribute : BeforeAfterTestAttribute
{
    /// <summary>The folders made by the running test (null outside a test: class fixtures and static fields keep theirs).</summary>
    internal static readonly AsyncLocal<ConcurrentQueue<string>?> Made = new();

    public override void Before(MethodInfo methodUnderTest) => Made.Value = new();

    public override void After(MethodInfo methodUnderTest)
    {
        var made = Made.Value;
        Made.Value = null;
        foreach (var dir in made ?? [])
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // a child process may still hold it
        }
    }
}
