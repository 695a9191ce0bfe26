using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Benchmarks;

/// <summary>
/// The scaling pieces measured (docs/scaling.md): peak memory of one DPO step with LoRA + bf16 + gradient
/// checkpointing against the full fp32 step on the same shape, each in its own fresh measurement window; and probe
/// answers per second sampled in-process against through a loopback OpenAI-compatible endpoint (a stand-in that
/// answers at once, so the endpoint figure is the client's own cost: requests, JSON, concurrency).
/// </summary>
public static class ScaleBenchmarks
{
    /// <summary>
    /// Peak RSS (MiB) of a few DPO steps: the full fp32 step, and LoRA (rank 8, every projection) + bf16 +
    /// checkpointing, each in a child process of its own (freed memory stays with a process, so two configurations
    /// measured one after the other in one process would hide the second's peak).
    /// </summary>
    public static (double FullMiB, double ScaledMiB) DpoStepMemory(TrainShape s, int steps)
    {
        double Child(string mode)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { typeof(ScaleBenchmarks).Assembly.Location, ChildFlag, mode, s.DModel.ToString(), s.Layers.ToString(), s.Batch.ToString(), s.Seq.ToString(), steps.ToString() })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("peak-mib ")) ?? throw new InvalidOperationException("memory child printed no figure:\n" + output);
            return double.Parse(line["peak-mib ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return (Child("full"), Child("scaled"));
    }

    /// <summary>The child's flag: <c>--dpo-memory full|scaled D L B T STEPS</c>.</summary>
    public const string ChildFlag = "--dpo-memory";

    /// <summary>Runs in the child: the steps, then prints the process's peak RSS.</summary>
    public static int RunChild(string[] args)
    {
        var s = new TrainShape(int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]));
        int steps = int.Parse(args[6]);
        TorchRuntime.EnsureInitialized();
        Measure(s, steps, args[1] == "scaled" ? new PolicyOptions
        {
            Lora = new LoraConfig { Rank = 8, Alpha = 16, Targets = LoraConfig.KnownTargets }, Precision = Precision.Bf16, GradientCheckpointing = true,
        } : null);
        Console.WriteLine(FormattableString.Invariant($"peak-mib {PeakMemory.PeakMiB():F1}"));
        return 0;
    }

    private static void Measure(TrainShape s, int steps, PolicyOptions? policy)
    {
        {
            using var model = CausalLM.Create(s.ModelConfig(), seed: 1, dtype: policy?.ComputeDType ?? TorchSharp.torch.ScalarType.Float32);
            if (policy?.Lora is { } lora) model.AddLora(lora, seed: 2);
            model.GradientCheckpointing = policy?.GradientCheckpointing ?? false;
            var objective = new DpoObjective(model, s.PreferenceData(s.Batch * steps, 1), padId: 0, beta: 0.1);
            using var loop = new TrainingLoop(objective, new TrainerOptions { MaxSteps = steps, BatchSize = s.Batch, LearningRate = 1e-4, Decay = LearningRateDecay.Constant });
            loop.Run();
        }
    }

    /// <summary>Answers per second of the generation probe's sampling, in-process and through the loopback stand-in.</summary>
    public static (double InProcess, double Endpoint, int Answers) ProbeSampling(TrainShape s, int questions, int samples, int newTokens)
    {
        var tokenizer = new ByteTokenizer();
        var config = s.ModelConfig() with { VocabSize = tokenizer.VocabSize };
        using var model = CausalLM.Create(config, seed: 3);
        var set = new ProbeSet(Enumerable.Range(0, questions).Select(i => new ProbeQuestion($"q{i}", "topic", $"Should rule {i} change?")).ToList(), "benchmark");
        var options = new GenerationProbeOptions { Samples = samples, MaxNewTokens = newTokens, BatchSize = 64, Seed = 1 };
        var judge = new ConstantJudge();
        double Rate(GenerationProbeOptions o)
        {
            var probe = new GenerationProbe(set, tokenizer, new PlainChatTemplate(), judge, o);
            var watch = Stopwatch.StartNew();
            probe.Measure(model);
            return questions * samples / watch.Elapsed.TotalSeconds;
        }
        double inProcess = Rate(options);
        using var server = new StandIn(newTokens);
        using var endpoint = new EndpointAnswerGenerator(new EndpointGeneratorOptions { BaseUrl = server.Url, Model = "stand-in" });
        double viaEndpoint = Rate(options with { Generator = endpoint });
        return (inProcess, viaEndpoint, questions * samples);
    }

    /// <summary>Reads every answer as neutral: the benchmark measures sampling, not judging.</summary>
    private sealed class ConstantJudge : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) =>
            items.Select(_ => new Judgement(StanceDistribution.Normalised(0, 1, 0), JudgeReadout.LogProbs)).ToList();
    }

    /// <summary>An OpenAI-compatible /v1/completions on 127.0.0.1 that returns <c>n</c> fixed answers at once.</summary>
    private sealed class StandIn : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        public Uri Url { get; }

        public StandIn(int tokens)
        {
            var port = 20000 + Environment.ProcessId % 20000;
            Url = new Uri($"http://127.0.0.1:{port}/v1/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            var answer = string.Concat(Enumerable.Repeat("a", Math.Max(1, tokens / 2)));
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await _listener.GetContextAsync(); } catch (Exception) { return; }
                    using var reader = new StreamReader(ctx.Request.InputStream);
                    var n = JsonNode.Parse(await reader.ReadToEndAsync())?["n"]?.GetValue<int>() ?? 1;
                    var choices = new JsonArray(Enumerable.Range(0, n).Select(i => (JsonNode)new JsonObject { ["index"] = i, ["text"] = answer, ["finish_reason"] = "stop" }).ToArray());
                    var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["choices"] = choices }.ToJsonString());
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.OutputStream.WriteAsync(bytes);
                    ctx.Response.Close();
                }
            });
        }

        public void Dispose()
        {
            _listener.Stop();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            _listener.Close();
        }
    }
}
