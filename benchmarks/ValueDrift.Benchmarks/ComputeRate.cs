using System.Diagnostics;
using static TorchSharp.torch;

namespace ValueDrift.Benchmarks;

/// <summary>The machine's float32 matrix-multiply rate through TorchSharp: the ceiling a training step is compared to.</summary>
public static class ComputeRate
{
    /// <summary>
    /// FLOP/s of an n×n by n×n float32 matmul (2n³ operations) after one warm-up: the median and the best of
    /// <paramref name="reps"/>. The best is taken as the machine's limit: on a shared machine the median is lowered by
    /// other work's bursts more than a training step's median is (a step is many short kernels).
    /// </summary>
    public static (double Median, double Best) MatmulFlops(int n = 2048, int reps = 9)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var a = randn([n, n], generator: g);
        var b = randn([n, n], generator: g);
        var times = new List<double>();
        for (int i = 0; i <= reps; i++)
        {
            var w = Stopwatch.StartNew();
            using (var c = matmul(a, b)) { }
            if (i > 0) times.Add(w.Elapsed.TotalSeconds);
        }
        double flop = 2.0 * n * n * n;
        return (flop / Stats.Median(times), flop / times.Min());
    }
}
