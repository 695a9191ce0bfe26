using System.Diagnostics;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// A small tmpfs mounted under the test output folder, to make a disk that fills up or turns read-only. Needs the
/// right to mount (the tests run as root in the project's container); <see cref="TryMount"/> returns null without it,
/// and callers then fall back to simulations that need no privilege (a path whose parent is a file).
/// </summary>
public sealed class TinyDisk : IDisposable
{
    public string Path { get; }

    private TinyDisk(string path) => Path = path;

    public static TinyDisk? TryMount(string name, long bytes)
    {
        var dir = Fixtures.TempDir(name);
        long kb = Math.Max(4, (bytes + 1023) / 1024);
        return Run("mount", $"-t tmpfs -o size={kb}k tmpfs \"{dir}\"") ? new TinyDisk(dir) : null;
    }

    /// <summary>Remounts the disk read-only (the files on it stay readable).</summary>
    public void MakeReadOnly()
    {
        if (!Run("mount", $"-o remount,ro \"{Path}\"")) throw new InvalidOperationException("could not remount " + Path + " read-only");
    }

    public void Dispose() => Run("umount", $"\"{Path}\"");

    private static bool Run(string command, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (p is null) return false;
            p.WaitForExit(10_000);
            return p.HasExited && p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }   // no mount command
    }
}
