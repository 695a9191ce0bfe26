using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ValueDrift.Benchmarks;

/// <summary>
/// The PyTorch baseline (benchmarks/baseline/torch_baseline.py) as a long-lived worker process: one JSON command per
/// line on its stdin, one JSON answer per line on its stdout. Keeping it alive lets ValueDrift's and PyTorch's
/// repetitions alternate (A B A B ...) within one configuration.
/// </summary>
public sealed class BaselineWorker : IDisposable
{
    private readonly Process _process;

    public BaselineWorker(string python, string script, int threads)
    {
        var info = new ProcessStartInfo(python, [script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        info.Environment["BENCH_THREADS"] = threads.ToString();
        info.Environment["OMP_NUM_THREADS"] = threads.ToString();
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python} {script}");
    }

    public JsonObject Send(object command)
    {
        _process.StandardInput.WriteLine(JsonSerializer.Serialize(command));
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException("the PyTorch baseline exited (see its stderr above)");
        var answer = JsonNode.Parse(line)!.AsObject();
        if (answer["error"] is { } e) throw new InvalidOperationException("PyTorch baseline: " + e);
        return answer;
    }

    /// <summary>Builds the model, optimizer and data for one configuration; returns its parameter count.</summary>
    public long Setup(TrainShape s, string mode) => Send(new
    {
        cmd = "setup", mode, d_model = s.DModel, layers = s.Layers, heads = s.Heads, kv_heads = s.KvHeads, ffn = s.Ffn,
        vocab = s.Vocab, batch = s.Batch, seq = s.Seq,
    })["parameters"]!.GetValue<long>();

    /// <summary>One timed optimizer step (timed inside the worker, so pipe latency is not counted).</summary>
    public (double Seconds, double PeakMiB) Step()
    {
        var a = Send(new { cmd = "step" });
        return (a["seconds"]!.GetValue<double>(), a["peak_rss_mb"]!.GetValue<double>());
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.StandardInput.WriteLine("{\"cmd\": \"quit\"}"); _process.WaitForExit(10_000); } }
        catch (IOException) { }
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }
}
