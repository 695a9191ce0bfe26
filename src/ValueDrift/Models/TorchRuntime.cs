using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// Process-wide TorchSharp set-up. Touching the native library before any module is built avoids load-order failures
/// (notably in notebooks), and picks CUDA when a CUDA build of TorchSharp and a GPU are present.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Device> _device = new(() =>
    {
        torch.InitializeDeviceType(DeviceType.CPU);
        try { if (torch.cuda.is_available()) { torch.InitializeDeviceType(DeviceType.CUDA); return CUDA; } }
        catch (Exception) { /* CPU-only natives: no CUDA entry points */ }
        return CPU;
    });

    /// <summary>Loads the natives once; safe to call from anywhere.</summary>
    public static void EnsureInitialized() => _ = _device.Value;

    /// <summary>The device new work should use: CUDA when available, else CPU.</summary>
    public static Device DefaultDevice => _device.Value;

    /// <summary>A one-line description, e.g. for a notebook's first cell.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version} · device {DefaultDevice.type}" +
        (DefaultDevice.type == DeviceType.CPU ? $" · {torch.get_num_threads()} threads" : "");
}
