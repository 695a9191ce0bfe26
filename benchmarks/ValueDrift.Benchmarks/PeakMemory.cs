namespace ValueDrift.Benchmarks;

/// <summary>
/// Peak resident set size of this process (Linux VmHWM). Writing "5" to /proc/self/clear_refs resets the peak, so
/// each configuration gets its own figure rather than the process's lifetime maximum.
/// </summary>
public static class PeakMemory
{
    public static void Reset()
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Peak RSS in MiB since the last <see cref="Reset"/>; NaN where /proc is unavailable.</summary>
    public static double PeakMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        }
        catch (IOException) { }
        return double.NaN;
    }
}
