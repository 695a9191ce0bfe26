using System.Diagnostics;
using ValueDrift.Benchmarks;
using Xunit;

namespace ValueDrift.Tests.BenchmarkSuite;

/// <summary>The background load of <c>--background-load</c>: it spins while held and never outlives its measurement.</summary>
[Trait("tier", "fast")]
public class BusyCoreTests
{
    private static bool Exits(BusyCore busy, TimeSpan within)
    {
        var w = Stopwatch.StartNew();
        while (busy.Running && w.Elapsed < within) Thread.Sleep(20);
        return !busy.Running;
    }

    [Fact]
    public void SpinsOnOneCpuWhileHeldAndStopsWhenDisposed()
    {
        var busy = BusyCore.StartSpinning();
        try
        {
            // A spinning loop keeps gaining CPU time (as fast as a shared machine lets it); a sleeping or dead one gains none.
            var before = busy.CpuTime;
            var w = Stopwatch.StartNew();
            while (busy.CpuTime - before < TimeSpan.FromMilliseconds(100) && w.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(50);
            Assert.True(busy.CpuTime - before >= TimeSpan.FromMilliseconds(100), $"the loop gained {(busy.CpuTime - before).TotalMilliseconds} ms of CPU in {w.Elapsed.TotalSeconds:F1} s");
            using var self = Process.GetCurrentProcess();
            Assert.True((((long)self.ProcessorAffinity >> busy.Cpu) & 1) == 1, "the loop's CPU is one this process may use");
        }
        finally { busy.Dispose(); }
        Assert.False(busy.Running);
    }

    [Fact]
    public void EndsByItselfWhenTheProcessItServesIsGone()
    {
        // The served process here is a short sleep: its end stands for a benchmark killed without running Dispose.
        using var served = Process.Start(new ProcessStartInfo("sleep", ["0.3"]) { UseShellExecute = false })!;
        using var busy = new BusyCore(watchPid: served.Id);
        Assert.True(busy.Running);
        served.WaitForExit();
        Assert.True(Exits(busy, TimeSpan.FromSeconds(5)), "the loop kept spinning after the process it serves ended");
    }
}
