using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace ValueDrift.Benchmarks;

/// <summary>What the numbers were measured on: hardware, OS, runtimes and library versions of both contenders.</summary>
public static class MachineFacts
{
    public static Table Collect(JsonObject? python, int threads)
    {
        var t = new Table("Machine", "", "fact", "value");
        t.Add("CPU", CpuModel());
        t.Add("logical CPUs", Environment.ProcessorCount.ToString());
        t.Add("threads used (intra-op, both sides)", $"ValueDrift {get_num_threads()}, PyTorch {python?["threads"]?.ToString() ?? "n/a"} (asked for {threads})");
        t.Add("RAM", MemTotal());
        t.Add("OS", OsName());
        t.Add(".NET", RuntimeInformation.FrameworkDescription);
        t.Add("TorchSharp / LibTorch", $"{typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]} / {LibTorchVersion()}");
        t.Add("PyTorch (baseline)", python is null ? "not run" : $"{python["torch"]} (Python {python["python"]}, BLAS {python["blas"]})");
        t.Add("date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm"));
        return t;
    }

    private static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown"; }
        catch (IOException) { return "unknown"; }
    }

    private static string MemTotal()
    {
        try
        {
            var kb = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            return $"{kb / 1024.0 / 1024.0:F1} GiB";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { return "unknown"; }
    }

    private static string OsName()
    {
        try { return File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME="))?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription; }
        catch (IOException) { return RuntimeInformation.OSDescription; }
    }

    /// <summary>The LibTorch natives' package version, read from this app's deps.json (TorchSharp does not report it).</summary>
    private static string LibTorchVersion()
    {
        var deps = Path.Combine(AppContext.BaseDirectory, Assembly.GetEntryAssembly()!.GetName().Name + ".deps.json");
        if (!File.Exists(deps)) return "unknown";
        var libs = JsonNode.Parse(File.ReadAllText(deps))?["libraries"]?.AsObject();
        var key = libs?.Select(kv => kv.Key).FirstOrDefault(k => k.StartsWith("libtorch-cpu", StringComparison.OrdinalIgnoreCase));
        return key is null ? "unknown" : key.Replace('/', ' ');
    }
}
