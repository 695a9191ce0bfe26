using ValueDrift.Experiments;
using Xunit;

namespace ValueDrift.Tests.Experiments;

public class WorkerProcessesTests
{
    [Theory, Trait("tier", "fast")]
    // jobs, cores, memory GiB → workers. Makespan in job lengths when w single-threaded workers share c cores:
    // ceil(jobs / w) rounds × max(1, w / c) per round.
    [InlineData(3, 2, 64, 3)]    // 3 at once: 1.5, against 2 with two workers (two, then one)
    [InlineData(2, 2, 64, 2)]
    [InlineData(1, 2, 64, 1)]    // never more workers than jobs
    [InlineData(5, 2, 64, 5)]    // 2.5 against 3
    [InlineData(10, 2, 64, 2)]   // 5 either way: the smallest count
    [InlineData(60, 2, 64, 2)]   // a notebook-size sweep
    [InlineData(3, 2, 4, 2)]     // memory for two (2 GiB each)
    [InlineData(3, 16, 64, 3)]
    [InlineData(3, 1, 1, 1)]
    public void TheDefaultCountIsTheSmallestThatFinishesSoonest(int jobs, int cores, int memoryGiB, int expected) =>
        Assert.Equal(expected, WorkerProcesses.DefaultCount(jobs, cores, (long)memoryGiB << 30));
}
