using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ValueDrift.Models;
using static TorchSharp.torch;

namespace ValueDrift.Benchmarks;

/// <summary>
/// The benchmark suite (run through benchmarks/run.sh): training steps against PyTorch eager, cached against live
/// DPO references, achieved FLOP/s against the machine's matmul rate, generation with and without the KV cache, probe
/// throughput, memory, scaling with sequence length and batch size, the Quick demo's wall time and the one-seed demo's
/// from an empty cache (the ≤ 8-minute target). Prints as it goes
/// and writes the tables into docs/benchmarks.md.
/// Options: --out FILE, --json FILE (every target's figure, machine-readable: <see cref="BenchmarkJson"/>), --python EXE,
/// --script FILE, --threads N, --quick (tiny grid, a smoke test), --no-torch, --only SECTIONS, --background-load (every
/// measurement also beside a busy loop holding one CPU, <see cref="BusyCore"/>; each row idle, then loaded). The first argument
/// <c>drift-time-simulation</c> instead prints the drift-time criteria's simulation table (<see cref="DriftTimeSimulation"/>).
/// </summary>
public static class Program
{
    /// <summary>The demo's target from a fresh clone: 8 minutes.</summary>
    private const int OneSeedDemoTargetSeconds = 8 * 60;

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == ScaleBenchmarks.ChildFlag) return ScaleBenchmarks.RunChild(args);
        if (args.Length > 0 && args[0] == DriftTimeSimulation.Flag) return DriftTimeSimulation.Run(args);
        string Arg(string name, string fallback) { int i = Array.LastIndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
        bool quick = args.Contains("--quick");
        string output = Arg("--out", "docs/benchmarks.md");
        string? jsonPath = args.Contains("--json") ? Arg("--json", "") : null;
        if (jsonPath is "") { Console.Error.WriteLine("--json needs a file name"); return 2; }
        bool backgroundLoad = args.Contains("--background-load");
        Load[] loads = backgroundLoad ? [Load.Idle, Load.OneCoreBusy] : [Load.Idle];
        var json = new BenchmarkJson(measuresLoaded: backgroundLoad);
        // With --background-load every table gains a first column saying which load its row was measured under.
        Table NewTable(string title, string note, params string[] headers) => new(title, note, backgroundLoad ? ["load", .. headers] : headers);
        void Row(Table t, Load load, params string[] cells) => t.Add(backgroundLoad ? [load.Label, .. cells] : cells);
        string python = Arg("--python", "/usr/bin/python3");
        string script = Arg("--script", "benchmarks/baseline/torch_baseline.py");
        int threads = int.Parse(Arg("--threads", Environment.ProcessorCount.ToString()), CultureInfo.InvariantCulture);
        int warmup = 1;
        // --only SECTION[,SECTION] runs some of: training, scaling, reference, generation, scale, world, attribution,
        // one-seed-demo (and writes no doc); "probe" and "demo" run those parts of world alone.
        var only = Arg("--only", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        bool Section(string name) => only.Length == 0 || only.Contains(name);

        TorchRuntime.EnsureInitialized();
        set_num_threads(threads);
        var work = Path.Combine(Path.GetTempPath(), "valuedrift-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(work);
        using var torch = args.Contains("--no-torch") ? null : new BaselineWorker(python, script, threads);
        JsonObject? torchInfo = torch?.Send(new { cmd = "info" });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var machine = MachineFacts.Collect(torchInfo, threads);
        // The matmul rate under each load: a loaded row's '% of matmul' divides by the loaded rate.
        var matmul = new Dictionary<Load, (double Median, double Peak)>();
        foreach (var load in loads)
        {
            Console.WriteLine($"[matmul rate, {load.Label}]");
            using (load.Apply()) matmul[load] = ComputeRate.MatmulFlops(quick ? 512 : 2048, quick ? 3 : 9);
            Console.WriteLine($"  median {Fmt.Gflops(matmul[load].Median)}, best {Fmt.Gflops(matmul[load].Peak)}");
        }

        var training = new TrainingBenchmarks(torch, warmup);
        // (shape, mode, repetitions): d_model 128 → 1024, sequences 128 → 1024, sized for ~10 minutes on two cores.
        var grid = quick
            ? new (TrainShape, string, int)[] { (new(64, 2, 2, 32), "sft", 2), (new(64, 2, 2, 32), "dpo", 2) }
            : [
                (new(128, 4, 8, 128), "sft", 15), (new(256, 4, 4, 256), "sft", 9), (new(512, 4, 4, 256), "sft", 9),
                (new(1024, 2, 2, 512), "sft", 5), (new(1024, 2, 1, 1024), "sft", 5),
                (new(128, 4, 4, 128), "dpo", 15), (new(512, 4, 2, 256), "dpo", 7),
            ];
        var steps = NewTable("Training steps: ValueDrift vs PyTorch eager",
            "One optimizer step each (forward, loss from per-sequence log-probs, backward, clipping, AdamW); ValueDrift through its " +
            "`TrainingLoop`. Median of the timed repetitions after one warm-up, ValueDrift and PyTorch alternating. Speed = PyTorch time / " +
            "ValueDrift time (target ≥ 1.0×). Achieved FLOP/s ≈ 6 · parameters · tokens / step time, against the matmul rate " +
            "(target ≥ 50% at d_model ≥ 512). Peak RSS is each process's own.",
            "step", "shape", "params", "tokens", "ValueDrift", "PyTorch", "speed", "target", "VD GFLOP/s", "% of matmul", "target", "VD peak RSS", "PyTorch peak RSS", "VD spread");
        foreach (var (shape, mode, reps) in Section("training") ? grid : [])
        foreach (var load in loads)
        {
            StepComparison r;
            using (load.Apply()) r = training.Compare(shape, mode, reps);
            double flops = r.Flop / r.ValueDrift, peak = matmul[load].Peak;
            Row(steps, load, mode.ToUpperInvariant(), shape.Label, $"{r.Parameters / 1e6:F1}M", r.Tokens.ToString(), Fmt.Seconds(r.ValueDrift), Fmt.Seconds(r.Torch),
                Fmt.Ratio(r.Speedup), Fmt.Verdict(r.Speedup, 1.0, true), Fmt.Number(flops / 1e9), Fmt.Percent(flops / peak),
                shape.DModel >= 512 ? Fmt.Verdict(flops / peak, 0.5, true) : "–", Fmt.MiB(r.ValueDriftPeakMiB), Fmt.MiB(r.TorchPeakMiB), Fmt.Percent(r.Spread));
            json.For(load).AddTraining(mode, shape.Label, r.Speedup, 100 * flops / peak);
        }

        var scaling = NewTable("How a step grows with sequence length and batch size (SFT, d_model 256, 4 layers)",
            "Time relative to the first row of each group; linear growth in tokens would double the time with each doubling.",
            "varied", "shape", "tokens", "ValueDrift", "× first", "PyTorch", "× first", "speed", "VD peak RSS");
        foreach (var (name, shapes) in !Section("scaling") ? [] : new[]
        {
            ("sequence", quick ? new TrainShape[] { new(64, 2, 1, 32), new(64, 2, 1, 64) } : [new(256, 4, 1, 128), new(256, 4, 1, 256), new(256, 4, 1, 512), new(256, 4, 1, 1024)]),
            ("batch", quick ? new TrainShape[] { new(64, 2, 1, 32), new(64, 2, 2, 32) } : [new(256, 4, 1, 256), new(256, 4, 2, 256), new(256, 4, 4, 256), new(256, 4, 8, 256)]),
        })
        foreach (var load in loads)
        {
            StepComparison? first = null;
            foreach (var s in shapes)
            {
                StepComparison r;
                using (load.Apply()) r = training.Compare(s, "sft", quick ? 2 : 7);
                first ??= r;
                Row(scaling, load, name, s.Label, r.Tokens.ToString(), Fmt.Seconds(r.ValueDrift), Fmt.Ratio(r.ValueDrift / first.ValueDrift),
                    Fmt.Seconds(r.Torch), Fmt.Ratio(r.Torch / first.Torch), Fmt.Ratio(r.Speedup), Fmt.MiB(r.ValueDriftPeakMiB));
            }
        }

        var reference = NewTable("DPO: cached reference log-probs vs a live reference model (ValueDrift)",
            "Cached: the reference's log-probs computed once before training (the default). Live: a frozen reference model runs a " +
            "forward pass every step. The two trainers' steps alternate. Target: cached ≤ 0.7 × live.",
            "shape", "cached", "live", "cached / live", "target");
        foreach (var (s, reps) in !Section("reference") ? [] : quick ? new[] { (new TrainShape(64, 2, 2, 32), 2) } : [(new TrainShape(256, 4, 4, 256), 9), (new TrainShape(512, 4, 2, 256), 5)])
        foreach (var load in loads)
        {
            double c, l;
            using (load.Apply()) (c, l) = training.CachedVersusLive(s, reps);
            Row(reference, load, s.Label, Fmt.Seconds(c), Fmt.Seconds(l), Fmt.Ratio(c / l), Fmt.Verdict(c / l, 0.7, false));
            json.For(load).AddReference(s.Label, c / l);
        }

        var decode = NewTable("Cached decode step: one intra-op thread against all",
            "The demo's base-model architecture (d128, 4 layers, random weights): seconds per one-token step with the KV cache after a 32-token " +
            "prefill, at each batch size, on one thread and on all; median of 5 alternating repetitions of 64 steps. Above 1.00× one thread is faster. " +
            $"`Generation` decodes on one thread up to {Generation.OneThreadDecodeMaxWork / 1e6:F0}M rows × parameters (\"decodes on\").",
            "rows", "rows × parameters", "one thread", "all threads", "all / one", "decodes on");
        var generation = NewTable("Generation: KV cache vs recomputing the prefix",
            "Greedy decoding of 4 prompts of 32 tokens with `Generation.Generate`; median of alternating repetitions (5 at 256 new tokens, " +
            "1 at 1,024, where recomputing takes minutes). Target ≥ 5× at 256 new tokens.",
            "model", "new tokens", "with cache", "without", "speed-up", "target");
        if (Section("generation"))
        {
            var s = quick ? new TrainShape(64, 2, 4, 32, Vocab: 256) : new TrainShape(128, 4, 4, 32, Vocab: 256);
            foreach (var (newTokens, reps) in quick ? new[] { (32, 1) } : [(256, 5), (1024, 1)])
            foreach (var load in loads)
            {
                double c, u;
                using (load.Apply()) (c, u) = GenerationBenchmarks.CacheSpeedup(s, 4, 32, newTokens, reps);
                var model = $"d{s.DModel} L{s.Layers} V{s.Vocab}";
                Row(generation, load, model, newTokens.ToString(), Fmt.Seconds(c), Fmt.Seconds(u), Fmt.Ratio(u / c), newTokens == 256 ? Fmt.Verdict(u / c, 5, true) : "–");
                json.For(load).AddGeneration(model, newTokens, u / c);
            }
            foreach (var load in loads)
            {
                var rows = new JsonArray();
                foreach (var r in quick ? new[] { 4, 32 } : [4, 32, 100, 200])
                {
                    GenerationBenchmarks.DecodeStepTime d;
                    using (load.Apply()) d = GenerationBenchmarks.DecodeStep(r, quick ? 8 : 64, threads, quick ? 1 : 5);
                    Row(decode, load, d.Rows.ToString(), $"{d.Rows * d.Parameters / 1e6:F1}M", Fmt.Seconds(d.OneThread), Fmt.Seconds(d.AllThreads),
                        Fmt.Ratio(d.AllThreads / d.OneThread), d.Chosen is { } n ? $"{n}" : $"all ({d.AllThreadCount})");
                    rows.Add(new JsonObject { ["rows"] = d.Rows, ["one_thread_ms"] = Math.Round(d.OneThread * 1e3, 3), ["all_threads_ms"] = Math.Round(d.AllThreads * 1e3, 3), ["all_threads"] = d.AllThreadCount });
                }
                json.For(load).Set("decode_step", rows);
            }
        }

        var scale = NewTable("Scaling pieces: memory of a LoRA + bf16 + checkpointed DPO step, probe sampling through an endpoint",
            "Peak RSS of a process that runs a few DPO steps (each configuration in a process of its own, runtime included), full fp32 against " +
            "LoRA (rank 8, every projection) + bf16 + gradient checkpointing on the same shape. Probe sampling: answers per second in-process and through a loopback OpenAI-compatible stand-in that " +
            "answers at once (so the second figure is the client's own cost; a real vLLM server's rate is the server's).",
            "what", "shape", "measured");
        foreach (var load in Section("scale") ? loads : [])
        {
            using var held = load.Apply();
            var s = quick ? new TrainShape(128, 2, 2, 64) : new TrainShape(1024, 2, 2, 512);
            var (fullMiB, scaledMiB) = ScaleBenchmarks.DpoStepMemory(s, 2);
            Row(scale, load, "DPO step peak RSS: full fp32", s.Label, Fmt.MiB(fullMiB));
            Row(scale, load, "DPO step peak RSS: LoRA + bf16 + checkpointing", s.Label, Fmt.MiB(scaledMiB));
            var p = quick ? new TrainShape(64, 2, 1, 32) : new TrainShape(128, 4, 1, 32);
            var (inProcess, endpoint, answers) = ScaleBenchmarks.ProbeSampling(p, quick ? 4 : 20, 5, quick ? 16 : 96);
            Row(scale, load, $"probe answers/s in-process ({answers} answers)", p.Label, Fmt.Number(inProcess));
            Row(scale, load, $"probe answers/s through a loopback endpoint ({answers} answers)", p.Label, Fmt.Number(endpoint));
        }

        // Each load works in a folder of its own, so the loaded run pretrains into an empty cache too.
        string WorkFor(Load load) => Path.Combine(work, load.Key);
        var world = NewTable("The embedded world (Quick base model)", "", "what", "measured");
        if (Section("world") || Section("probe") || Section("demo"))
        foreach (var load in loads)
        {
            using var held = load.Apply();
            var (pretrain, baseDir) = WorldBenchmarks.PretrainQuick(Path.Combine(WorkFor(load), "cache"));
            Row(world, load, "pretraining the Quick base model (60 steps, into an empty cache)", Fmt.Seconds(pretrain));
            foreach (var p in Section("world") || Section("probe") ? WorldBenchmarks.ProbeThroughput(baseDir, quick ? 1 : 3, [8, 25, 50, 100]) : [])
            {
                Row(world, load, p.Method == "generation"
                    ? $"GenerationProbe: answers judged per second (K = 5, 96 new tokens; {p.Answers} answers, batch {p.Batch})"
                    : $"LikelihoodProbe: reference answers scored per second ({p.Answers} answers, batch {p.Batch})",
                    $"{Fmt.Number(p.PerSecond)} (per CPU-second: {Fmt.Number(p.PerCpuSecond)})");
                json.For(load).AddProbe(p.Method, p.PerSecond, p.Batch);
            }
        }
        var quickDemo = new Dictionary<Load, (double Seconds, IReadOnlyDictionary<string, double> Phases)>();
        if (Section("world") || Section("demo"))
        foreach (var load in loads)
        {
            using var held = load.Apply();
            var (demo, phases) = WorldBenchmarks.QuickDemo(Path.Combine(WorkFor(load), "demo"), Path.Combine(WorkFor(load), "cache"));
            Row(world, load, "`WorldExperiment.Run(WorldExperimentOptions.Quick)`, base model cached", Fmt.Seconds(demo));
            foreach (var (phase, seconds) in phases.OrderByDescending(p => p.Value))
                Row(world, load, $"… of which {phase}", Fmt.Seconds(seconds));
            quickDemo[load] = (demo, phases);
        }
        foreach (var load in Section("attribution") ? loads : [])
        {
            using var held = load.Apply();
            AttributionBenchmarks.Run(WorkFor(load), quick, cells => Row(world, load, cells));
        }

        var oneSeed = NewTable("The demo with one seed, from an empty cache (target ≤ 8 min)",
            "What `./valuedrift demo --seeds 1` does once built (" + (quick ? "here the Quick demo, a smoke test" : "the Default demo's world and recipe") +
            ", training seed 1), timed in this process from an empty cache, so base-model pretraining is included; building the " +
            "command-line tool is not (about 15 s from a fresh clone). Its phase profile, and its findings as the demo prints them. " +
            "The three-seed default and what was traded are under \"The demo's seeds\".",
            "what", "measured");
        foreach (var load in loads)
        {
            if (Section("one-seed-demo"))
            {
                double seconds; IReadOnlyDictionary<string, double> phases; IReadOnlyList<ValueDrift.Reporting.FindingCheck> findings;
                using (load.Apply())
                    (seconds, phases, findings) = WorldBenchmarks.OneSeedDemo(Path.Combine(WorkFor(load), "one-seed-demo"), Path.Combine(WorkFor(load), "empty-cache"), quick);
                Row(oneSeed, load, "wall time" + (quick ? " (Quick demo)" : $" (target {OneSeedDemoTargetSeconds / 60} min: {(seconds <= OneSeedDemoTargetSeconds ? "met" : "**gap**")})"), Fmt.Seconds(seconds));
                foreach (var (phase, s) in phases.OrderByDescending(p => p.Value))
                    Row(oneSeed, load, $"… of which {phase}", Fmt.Seconds(s));
                foreach (var f in findings.Where(f => f.Finding.StartsWith("SFT", StringComparison.Ordinal)))
                    Row(oneSeed, load, $"finding: {f.Finding}", $"{f.Measured} → {f.Verdict}");
                json.For(load).SetDemo(seconds, phases);
                if (quickDemo.TryGetValue(load, out var q)) json.For(load).Set("quick_demo", BenchmarkJson.DemoObject(q.Seconds, q.Phases));
            }
            else if (quickDemo.TryGetValue(load, out var q)) json.For(load).SetDemo(q.Seconds, q.Phases);
        }

        var doc = new StringBuilder();
        var (idleMedian, idlePeak) = matmul[Load.Idle];
        doc.AppendLine($"Generated by `bash benchmarks/run.sh{(quick ? " --quick" : "")}{(backgroundLoad ? " --background-load" : "")}` in {clock.Elapsed.TotalMinutes:F1} minutes. " +
            $"float32 matmul rate (TorchSharp, {(quick ? 512 : 2048)}² × {(quick ? 512 : 2048)}², best of {(quick ? 3 : 9)}; median {Fmt.Gflops(idleMedian)}): " +
            $"**{Fmt.Gflops(idlePeak)}**, the limit the '% of matmul' column divides by" +
            (backgroundLoad ? $" (with one core busy: **{Fmt.Gflops(matmul[Load.OneCoreBusy].Peak)}**, median {Fmt.Gflops(matmul[Load.OneCoreBusy].Median)}, for the loaded rows)" : "") +
            $". Both processes ran with OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}, GOMP_SPINCOUNT={Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? "(unset)"}." +
            (backgroundLoad ? " Every measurement ran twice: idle (rows marked \"idle\"), then beside a busy loop pinned to one CPU that the run starts before the measurement and stops after it (`--background-load`; rows marked \"one core busy\")." : "")).AppendLine();
        foreach (var t in new[] { machine, steps, scaling, reference, generation, decode, scale, world, oneSeed }) doc.Append(t.ToMarkdown());
        if (only.Length == 0) { MarkdownReport.Write(output, doc.ToString()); Console.WriteLine($"wrote {output}"); }
        if (jsonPath is not null) { json.Write(jsonPath); Console.WriteLine($"wrote {jsonPath}"); }
        Console.WriteLine($"done in {clock.Elapsed.TotalMinutes:F1} min");
        try { Directory.Delete(work, true); } catch (IOException) { }
        return 0;
    }
}
