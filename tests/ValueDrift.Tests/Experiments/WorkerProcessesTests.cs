using ValueDrift.Experiments;
using Xunit;

namespace ValueDrift.Tests.Experiments;

public class WorkerProcessesTests
{
    [Theory, Trait("tier", "fast")]
    // jobs, cores, memory GiB → workers: never more than the cores, the jobs, or memory / 2 GiB.
    [InlineData(3, 2, 64, 2)]    // not 3: oversubscribed single-threaded workers slowed each other 2.4-fold
    [InlineData(2, 2, 64, 2)]
    [InlineData(1, 2, 64, 1)]
    [InlineData(60, 2, 64, 2)]   // a notebook-size sweep
    [InlineData(3, 16, 64, 3)]
    [InlineData(3, 16, 4, 2)]    // memory for two (2 GiB each)
    [InlineData(3, 1, 1, 1)]
    public void TheDefaultCountIsCoresJobsAndMemoryWhicheverIsLeast(int jobs, int cores, int memoryGiB, int expected) =>
        Assert.Equal(expected, WorkerProcesses.DefaultCount(jobs, cores, (long)memoryGiB << 30));
}
