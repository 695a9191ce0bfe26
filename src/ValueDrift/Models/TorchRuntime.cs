using System.Runtime.InteropServices;
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
        BoundOpenMpSpinning();
        torch.InitializeDeviceType(DeviceType.CPU);
        try { if (torch.cuda.is_available()) { torch.InitializeDeviceType(DeviceType.CUDA); return CUDA; } }
        catch (Exception) { /* CPU-only natives: no CUDA entry points */ }
        return CPU;
    });

    /// <summary>
    /// How many times a LibTorch OpenMP thread (libgomp) polls for the next parallel region before it sleeps: about
    /// 5–10 µs. libgomp's default (300,000 polls, about a millisecond) holds a core the other thread may need when the
    /// machine is shared (Quick base-model pretraining 4 s → 16 s beside two busy processes), and passive waiting (no
    /// polling) pays a sleep and a wake-up for every kernel, which a small model runs thousands of per second (a world
    /// run at the notebooks' size 143 s → 200 s on an idle 2-core machine). Measured in docs/benchmarks.md ("OpenMP
    /// waiting"): this bound is as fast as the default when idle and faster than passive waiting when shared.
    /// </summary>
    public const int OpenMpSpinCount = 5000;

    /// <summary>
    /// Bounds libgomp's polling (<see cref="OpenMpSpinCount"/>) through GOMP_SPINCOUNT. libgomp reads its environment
    /// when it loads, so this runs before LibTorch loads; nothing changes when the user set OMP_WAIT_POLICY or
    /// GOMP_SPINCOUNT, or when the natives are already loaded.
    /// </summary>
    public static void BoundOpenMpSpinning()
    {
        const string name = "GOMP_SPINCOUNT";
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is { Length: > 0 } || Environment.GetEnvironmentVariable(name) is { Length: > 0 }) return;
        var value = OpenMpSpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            if (setenv(name, value, 0) == 0) Environment.SetEnvironmentVariable(name, value);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { /* no glibc: leave the default */ }
    }

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>Loads the natives once; safe to call from anywhere.</summary>
    public static void EnsureInitialized() => _ = _device.Value;

    /// <summary>The device new work should use: CUDA when available, else CPU.</summary>
    public static Device DefaultDevice => _device.Value;

    /// <summary>The default device's memory when it is known: the machine's on CPU; null on a GPU (LibTorch here reports no GPU memory, so it must be given).</summary>
    public static long? KnownDeviceMemoryBytes => DefaultDevice.type == DeviceType.CPU ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : null;

    private static Device? _compute;

    /// <summary>
    /// Where models are loaded when a caller names no device (the CLI's <c>--device</c>): <see cref="DefaultDevice"/>
    /// unless set. Batches follow their model's device.
    /// </summary>
    public static Device ComputeDevice
    {
        get => _compute ?? DefaultDevice;
        set => _compute = value;
    }

    /// <summary>
    /// Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; a CUDA device on a machine or build without one is a
    /// <see cref="Errors.ConfigException"/> naming the option, not a native crash later.
    /// </summary>
    public static Device ParseDevice(string text, string option = "--device")
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if (t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (t.Length > 5 && !int.TryParse(t[5..], out index) || index < 0)
                throw new Errors.ConfigException(option, "device", $"'{text}' is not cpu, cuda or cuda:N");
            if (DefaultDevice.type != DeviceType.CUDA)
                throw new Errors.ConfigException(option, "device", "no CUDA device here: this build uses TorchSharp's CPU natives or no GPU is visible (build with -p:ValueDriftGpu=true on a GPU machine; environment/gpu.md)");
            if (index >= torch.cuda.device_count())
                throw new Errors.ConfigException(option, "device", $"cuda:{index} does not exist ({torch.cuda.device_count()} CUDA device(s))");
            return torch.device(DeviceType.CUDA, index);
        }
        throw new Errors.ConfigException(option, "device", $"'{text}' is not cpu, cuda or cuda:N");
    }

    /// <summary>A one-line description, e.g. for a notebook's first cell.</summary>
    public static string Describe() =>
        $"TorchSharp {typeof(torch).Assembly.GetName().Version} · device {ComputeDevice.type}{(ComputeDevice.type == DeviceType.CUDA && ComputeDevice.index > 0 ? $":{ComputeDevice.index}" : "")}" +
        (ComputeDevice.type == DeviceType.CPU ? $" · {torch.get_num_threads()} threads" : "");
}
