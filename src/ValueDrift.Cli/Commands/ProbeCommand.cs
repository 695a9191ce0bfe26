using System.CommandLine;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.World;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift probe --model DIR --probes FILE</c>: measures a model's stance distribution per topic and prints a
/// table (support / neutral / oppose / n). <c>--method generation</c> (default, the paper's: sampled answers read by
/// <c>--judge</c>) or <c>likelihood</c> (reference answers scored by the model: from <c>--references</c>, a labelled
/// answers file, else written by the embedded world for its topics). With <c>--out</c>, each topic's record is
/// appended to the trace as soon as it is measured, as (<c>--phase</c>, <c>--step</c>). <c>--judge</c> is required
/// unless the model and topics are the embedded world's; a local or endpoint judge's readings are cached in
/// <c>judge-cache/</c> beside the trace (or <c>--judge-cache DIR</c>), and the cache's hit rate is printed.
/// </summary>
public sealed class ProbeCommand : ICliCommand
{
    /// <summary>The probe's defaults, written once in <see cref="GenerationProbeOptions"/>.</summary>
    private static readonly GenerationProbeOptions Defaults = new();

    public Command Build(CliIO io)
    {
        var model = new Option<string>("--model") { Description = "model folder (config.json, safetensors, tokenizer.json)", Required = true };
        var probes = new Option<string>("--probes") { Description = "probe set (JSONL or CSV: id, topic, question)", Required = true };
        var judge = JudgeOption.Create();
        var maxUnjudged = new Option<double>("--max-unjudged")
        {
            Description = "fraction of a topic's answers the judge may leave unread before the probe stops",
            DefaultValueFactory = _ => Defaults.MaxUnjudgedFraction,
        };
        var method = new Option<string>("--method") { Description = "generation | likelihood", DefaultValueFactory = _ => "generation" };
        method.AcceptOnlyFromAmong("generation", "likelihood");
        var samples = new Option<int>("--samples") { Description = "sampled answers per question", DefaultValueFactory = _ => Defaults.Samples };
        var temperature = new Option<double>("--temperature") { DefaultValueFactory = _ => Defaults.Temperature };
        var maxNew = new Option<int>("--max-new-tokens") { DefaultValueFactory = _ => Defaults.MaxNewTokens };
        var topP = new Option<double>("--top-p") { DefaultValueFactory = _ => Defaults.TopP };
        var batch = new Option<int>("--batch-size") { Description = "sequences per forward pass", DefaultValueFactory = _ => Defaults.BatchSize };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => Defaults.Seed };
        var references = new Option<string?>("--references") { Description = "likelihood method: labelled answers (id, topic, question, answer, stance)" };
        var perStance = new Option<int>("--answers-per-stance") { Description = "likelihood method with world references: answers per stance", DefaultValueFactory = _ => WorldLikelihoodItems.DefaultAnswersPerStance };
        var output = new Option<string?>("--out") { Description = "trace.jsonl to append the records to" };
        var phase = new Option<string>("--phase") { Description = "phase name of the records", DefaultValueFactory = _ => "probe" };
        var step = new Option<int>("--step") { Description = "step of the records within the phase", DefaultValueFactory = _ => 0 };
        var generator = new Option<string?>("--generator") { Description = "generation method: sample from an OpenAI-compatible server, endpoint:URL,MODEL[,chat] (default: in-process)" };
        var progressEvery = new Option<double>("--progress-every")
        {
            Description = "endpoint judge or generator: seconds between progress lines on stderr (answers judged, questions answered)",
            DefaultValueFactory = _ => Defaults.ProgressInterval.TotalSeconds,
        };
        var adapterBase = AdapterBaseOption.Create();
        var cmd = new Command("probe", "Measure a model's stance distribution per topic.")
        {
            model, probes, method, samples, temperature, maxNew, topP, batch, seed, references, perStance, output, phase, step, maxUnjudged, generator, progressEvery, adapterBase,
        };
        judge.AddTo(cmd);
        cmd.SetAction(r =>
        {
            AdapterBaseOption.Apply(r, adapterBase);
            var dir = r.GetValue(model)!;
            if (!Directory.Exists(dir)) throw new ConfigException(dir, "model", "model folder not found");
            if (r.GetValue(step) < 0) throw new ValueDriftException("--step must be ≥ 0");
            var set = ProbeSet.Load(r.GetValue(probes)!);
            var tokenizer = TokenizerLoader.FromFolder(dir);
            var template = ChatTemplate.ForModelFolder(dir, tokenizer);
            using var endpoint = r.GetValue(method) == "generation" && r.GetValue(generator) is { } g ? EndpointAnswerGenerator.FromSpec(g) : null;
            using var m = endpoint is null ? CausalLM.FromPretrained(dir) : null;   // served elsewhere: the weights are not loaded here

            IEnumerable<TopicMeasurement> topics;
            IStanceJudge? usedJudge = null;
            if (r.GetValue(method) == "likelihood")
            {
                var items = r.GetValue(references) is { } refs
                    ? LikelihoodProbe.FromLabelled(LabelledAnswer.Load(refs)).Where(i => set.Questions.Any(q => q.Id == i.Id)).ToList()
                    : WorldLikelihoodItems.For(set.Questions, r.GetValue(perStance), (int)r.GetValue(seed));
                topics = new LikelihoodProbe(items, tokenizer, template, r.GetValue(batch)).MeasureTopics(m!);
            }
            else
            {
                // The world judge reads only the world's answers: its byte-level models on its topics.
                var world = tokenizer is ByteTokenizer && JudgeOption.AllWorldTopics(set.Topics);
                var runDir = r.GetValue(output) is { } trace ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(trace))!, JudgeOption.CacheFolderName) : null;
                usedJudge = judge.Resolve(r, world, runDir);
                var every = r.GetValue(progressEvery);
                if (!(every > 0) || double.IsInfinity(every)) throw new ValueDriftException($"--progress-every must be a positive number of seconds (got {every})");
                var options = new GenerationProbeOptions
                {
                    // Outside work can take minutes: a line every few seconds says how far it is (in-process work is timed by its own phases).
                    Progress = endpoint is not null || JudgeOption.IsEndpoint(usedJudge) ? ValueDrift.Common.LineLogger.To(io.Err) : null,
                    ProgressInterval = TimeSpan.FromSeconds(every),
                    Samples = r.GetValue(samples), Temperature = r.GetValue(temperature), MaxNewTokens = r.GetValue(maxNew),
                    TopP = r.GetValue(topP), BatchSize = r.GetValue(batch), Seed = r.GetValue(seed), MaxUnjudgedFraction = r.GetValue(maxUnjudged), Generator = endpoint,
                };
                topics = new GenerationProbe(set, tokenizer, template, usedJudge, options).MeasureTopics(m!);
            }

            try
            {
                using var writer = r.GetValue(output) is { } path ? new TraceWriter(path) : null;
                var measured = new List<TopicMeasurement>();
                foreach (var t in topics)
                {
                    measured.Add(t);
                    if (t.Unjudged > 0) io.Err.WriteLine($"warning: topic {t.Topic}: {t.Unjudged} answer(s) left unjudged after retries (skipped)");
                    if (usedJudge is not null && JudgeOption.AsksForLogProbs(usedJudge) && t.Readouts?.GetValueOrDefault("text") is > 0 and var text)
                        io.Err.WriteLine($"warning: topic {t.Topic}: the endpoint returned no label log-probs for {text} answer(s); they were read from the reply text");
                    if (writer is null) continue;
                    var record = new ProbeResult([t]).ToTraceRecords(r.GetValue(phase)!, r.GetValue(step));
                    writer.AppendAll(record);
                    io.Err.WriteLine($"trace: appended {r.GetValue(phase)} step {r.GetValue(step)} topic {t.Topic}");
                }
                io.Out.Write(new ProbeResult(measured).ToTable());
                if (usedJudge is not null && JudgeOption.CacheSummary(usedJudge) is { } summary) io.Out.WriteLine(summary);
            }
            finally
            {
                (usedJudge as IDisposable)?.Dispose();
            }
            return 0;
        });
        return cmd;
    }
}
