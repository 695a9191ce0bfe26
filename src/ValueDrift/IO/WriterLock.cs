using System.Runtime.InteropServices;
using ValueDrift.Errors;

namespace ValueDrift.IO;

/// <summary>
/// One writer per run folder, stage folder or trace: an exclusive OS lock (flock through <see cref="FileShare.None"/>)
/// on a lock file, held while a process writes what it guards. The kernel drops the lock with the process, so a
/// SIGKILLed run never leaves a stale lock behind; the file itself stays (deleting it would let two processes lock two
/// different files of one name). The holder writes its PID into the file, so a refused writer can name it.
/// <para>Within one process the lock is re-entrant: a recipe holds its run folder and its plan takes it again.</para>
/// </summary>
public sealed class WriterLock : IDisposable
{
    /// <summary>The lock file inside a locked folder.</summary>
    public const string FolderLockName = ".lock";

    private static readonly Dictionary<string, (FileStream Stream, int Count)> Held = new(StringComparer.Ordinal);
    private static readonly Lock HeldLock = new();
    private readonly string _path;
    private bool _released;

    /// <summary>The lock file.</summary>
    public string Path => _path;

    private WriterLock(string path) => _path = path;

    /// <summary>Locks <paramref name="folder"/> (created if missing) through its <see cref="FolderLockName"/> file.</summary>
    /// <param name="what">What the folder is, for the refusal ("run folder", "stage folder").</param>
    public static WriterLock Folder(string folder, string what)
    {
        var full = System.IO.Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        return Acquire(System.IO.Path.Combine(full, FolderLockName), full, what);
    }

    /// <summary>Locks one file (a trace written from outside any locked folder) through ".&lt;name&gt;.lock" beside it.</summary>
    public static WriterLock File(string file, string what)
    {
        var full = System.IO.Path.GetFullPath(file);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        return Acquire(System.IO.Path.Combine(dir, "." + System.IO.Path.GetFileName(full) + ".lock"), full, what);
    }

    private static WriterLock Acquire(string lockPath, string guarded, string what)
    {
        lock (HeldLock)
        {
            if (Held.TryGetValue(lockPath, out var held))
            {
                Held[lockPath] = (held.Stream, held.Count + 1);
                return new WriterLock(lockPath);
            }
            FileStream stream;
            try { stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && IsHeldElsewhere(e))
            {
                throw new WriterLockedException(guarded, what, HolderPid(lockPath), e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ValueDriftException($"{guarded}: cannot lock the {what} for writing ({lockPath}): {e.Message}", e);
            }
            try
            {
                var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n");
                stream.SetLength(0);
                stream.Write(pid);
                stream.Flush(flushToDisk: false);
            }
            catch (IOException) { }   // the PID only helps a refused writer name us; the lock holds without it
            Held[lockPath] = (stream, 1);
            return new WriterLock(lockPath);
        }
    }

    /// <summary>Releases this hold; the lock itself goes when the process's last hold is released.</summary>
    public void Dispose()
    {
        lock (HeldLock)
        {
            if (_released) return;
            _released = true;
            if (!Held.TryGetValue(_path, out var held)) return;
            if (held.Count > 1) { Held[_path] = (held.Stream, held.Count - 1); return; }
            Held.Remove(_path);
            held.Stream.Dispose();
        }
    }

    // .NET reports flock's EWOULDBLOCK with the raw errno as HResult (Linux 11, macOS 35); Windows with
    // ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    private static bool IsHeldElsewhere(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    /// <summary>
    /// The PID the holder wrote. Opening the file through .NET would ask for a shared flock, which the holder's
    /// exclusive one refuses, so on Unix it is read with plain open/read. Null when it cannot be read (yet).
    /// </summary>
    public static int? HolderPid(string lockPath)
    {
        if (OperatingSystem.IsWindows()) return null;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                int fd = Native.open(lockPath, 0 /* O_RDONLY */);
                if (fd < 0) return null;
                var buffer = new byte[32];
                nint n;
                try { n = Native.read(fd, buffer, buffer.Length); }
                finally { Native.close(fd); }
                if (n > 0 && int.TryParse(System.Text.Encoding.ASCII.GetString(buffer, 0, (int)n).Trim(), out var pid) && pid > 0) return pid;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
            Thread.Sleep(10);   // the holder has the lock but has not written its PID yet
        }
        return null;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern nint read(int fd, byte[] buffer, nint count);
        [DllImport("libc")] public static extern int close(int fd);
    }
}
