using System.Runtime.InteropServices;
using ValueDrift.Errors;

namespace ValueDrift.Interactive;

/// <summary>
/// Loads the LibTorch natives that sit beside TorchSharp.dll, by absolute path, before TorchSharp looks for them.
/// Why: inside a notebook the host process is the kernel, whose dependency manifest knows nothing of our natives, so
/// TorchSharp falls back to loading <c>libtorch_cpu.so</c> by bare name; the system loader then searches the system
/// library folders first and, where Debian's <c>python3-torch</c> is installed, picks its older libtorch, which
/// breaks TorchSharp. A library already loaded is matched by its soname, so loading ours first makes every later
/// by-name request (TorchSharp's and the DT_NEEDED entries of libLibTorchSharp.so) bind to ours.
/// </summary>
public static class TorchNatives
{
    // Dependency order: each library's needs are loaded before it. CUDA builds add the *_cuda libraries.
    private static readonly string[] Order =
    [
        "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so", "libLibTorchSharp.so",
    ];

    private static readonly object Gate = new();
    private static IReadOnlyList<string>? _loaded;

    /// <summary>The folder holding TorchSharp.dll (and, in a notebook build, the natives).</summary>
    public static string Folder => Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>
    /// Loads the natives found in <see cref="Folder"/> (once per process) and returns their paths. On systems other
    /// than Linux, or where the folder has no libLibTorchSharp.so (e.g. a test host whose natives TorchSharp finds
    /// through its manifest), nothing is loaded. A library that is present but fails to load raises
    /// <see cref="ValueDriftException"/> naming the file, with the loader's message (e.g. a missing GLIBCXX version).
    /// </summary>
    public static IReadOnlyList<string> Preload()
    {
        lock (Gate)
        {
            if (_loaded is not null) return _loaded;
            var loaded = new List<string>();
            var folder = Folder;
            if (OperatingSystem.IsLinux() && File.Exists(Path.Combine(folder, "libLibTorchSharp.so")))
            {
                foreach (var name in Order)
                {
                    var path = Path.Combine(folder, name);
                    if (!File.Exists(path)) continue;
                    try { NativeLibrary.Load(path); }
                    catch (DllNotFoundException e)
                    {
                        throw new ValueDriftException($"{path}: cannot load the LibTorch native library ({e.Message}). " +
                            "Rebuild the notebook folder: bash environment/setup.sh", e);
                    }
                    loaded.Add(path);
                }
            }
            _loaded = loaded;
            return loaded;
        }
    }
}
