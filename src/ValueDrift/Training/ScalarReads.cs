using static TorchSharp.torch;

namespace ValueDrift.Training;

/// <summary>
/// Reads several 0-d tensors (a step's metrics) to the host in one transfer instead of one <c>.item()</c> each: on a
/// GPU every read is a device synchronisation. Values travel as float64, so float32 metrics and integer counts up to
/// 2^53 arrive exactly as <c>.item()</c> would give them.
/// </summary>
public static class ScalarReads
{
    public static double[] Read(params Tensor[] scalars)
    {
        using var scope = NewDisposeScope();
        return stack(scalars.Select(s => s.detach().to(ScalarType.Float64).reshape(1)).ToArray()).cpu().data<double>().ToArray();   // (n, 1) → n values
    }
}
