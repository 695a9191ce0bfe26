using System.CommandLine;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Text;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>--probes FILE --judge J --trace FILE</c> on <c>train</c>: the stage is traced as a notebook stage is — the
/// generation probe (the paper's settings, <see cref="GenerationProbeOptions"/>) measures the policy on the
/// dense-early schedule and appends to the trace. Without <c>--trace</c> the stage trains unmeasured.
/// </summary>
public sealed class StageTraceOptions
{
    private static readonly GenerationProbeOptions Defaults = new();
    public readonly Option<string?> Probes = new("--probes") { Description = "with --trace: probe set (JSONL or CSV: id, topic, question)" };
    public readonly JudgeOption Judge = JudgeOption.Create();
    public readonly Option<string?> Trace = new("--trace") { Description = "trace.jsonl to append the stage's measurements to (needs --probes)" };
    public readonly Option<int> Samples = new("--probe-samples") { Description = "with --trace: sampled answers per question", DefaultValueFactory = _ => Defaults.Samples };
    public readonly Option<int> MaxNewTokens = new("--probe-max-new-tokens") { Description = "with --trace: most tokens per sampled answer", DefaultValueFactory = _ => Defaults.MaxNewTokens };

    public void Add(Command c)
    {
        foreach (Option o in new Option[] { Probes, Trace, Samples, MaxNewTokens }) c.Options.Add(o);
        Judge.AddTo(c);
    }

    /// <summary>The open trace, or null when --trace is not given. Dispose it to close the trace and release the judge.</summary>
    public OpenStageTrace? Open(ParseResult r, string modelDir, CliIO io)
    {
        var trace = r.GetValue(Trace);
        var probes = r.GetValue(Probes);
        if (trace is null)
        {
            if (probes is not null) throw new ValueDriftException("--probes needs --trace FILE to write the measurements to");
            return null;
        }
        if (probes is null) throw new ValueDriftException("--trace needs --probes FILE: the questions to measure");
        // One writer per trace: a second train appending to it is refused at once, naming this process.
        var writerLock = IO.WriterLock.File(trace, "trace");
        try { return Open(r, modelDir, io, trace, probes, writerLock); }
        catch { writerLock.Dispose(); throw; }
    }

    private OpenStageTrace Open(ParseResult r, string modelDir, CliIO io, string trace, string probes, IO.WriterLock writerLock)
    {
        var set = ProbeSet.Load(probes);
        var tokenizer = TokenizerLoader.FromFolder(modelDir);
        var template = ChatTemplate.ForModelFolder(modelDir, tokenizer);
        // The world judge reads only the world's answers: its byte-level models on its topics.
        var world = tokenizer is ByteTokenizer && JudgeOption.AllWorldTopics(set.Topics);
        var judge = Judge.Resolve(r, world, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(trace))!, JudgeOption.CacheFolderName));
        var probe = new GenerationProbe(set, tokenizer, template, judge, Defaults with { Samples = r.GetValue(Samples), MaxNewTokens = r.GetValue(MaxNewTokens) });
        io.Err.WriteLine($"trace: {trace} ({set.Questions.Count} questions × {r.GetValue(Samples)} answers per probe)");
        return new OpenStageTrace([new TraceTarget(probe, new TraceWriter(trace))], judge as IDisposable, writerLock);
    }
}

/// <summary>The trace targets of a traced CLI stage; disposing closes the trace and the judge.</summary>
public sealed class OpenStageTrace(IReadOnlyList<TraceTarget> targets, IDisposable? judge, IO.WriterLock writerLock) : IDisposable
{
    public IReadOnlyList<TraceTarget> Targets { get; } = targets;

    public void Dispose()
    {
        foreach (var t in Targets) t.Writer.Dispose();
        judge?.Dispose();
        writerLock.Dispose();
    }
}
