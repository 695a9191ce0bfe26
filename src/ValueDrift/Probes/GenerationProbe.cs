using System.Text;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Models;
using ValueDrift.Text;
using static TorchSharp.torch;

namespace ValueDrift.Probes;

/// <summary>Settings of a <see cref="GenerationProbe"/>; the defaults are the paper's.</summary>
public sealed record GenerationProbeOptions
{
    /// <summary>K, the sampled answers per question.</summary>
    public int Samples { get; init; } = 5;
    public double Temperature { get; init; } = 0.7;
    public int MaxNewTokens { get; init; } = 256;
    public double TopP { get; init; } = 1.0;
    /// <summary>Sequences (question × sample rows) sampled together in one batch.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>The probe seed. Each answer's seed is derived from it, the question id and the sample index.</summary>
    public long Seed { get; init; } = 0;
    /// <summary>Where answers are sampled: null = in-process from the probed model; else e.g. an <see cref="EndpointAnswerGenerator"/>.</summary>
    public IAnswerGenerator? Generator { get; init; }

    /// <summary>
    /// Most of a topic's answers the judge may leave without a reading (after its retries) before the probe stops:
    /// up to this fraction they are skipped and counted (<see cref="TopicMeasurement.Unjudged"/>); past it the
    /// measurement would rest on a judge that mostly failed, so the probe raises. Default 0.1.
    /// </summary>
    public double MaxUnjudgedFraction { get; init; } = 0.1;

    /// <summary>
    /// Where a progress line goes while the probe waits on outside work (a judge's or a generator's endpoint):
    /// answers judged and questions answered so far, every <see cref="ProgressInterval"/>. Null: none.
    /// </summary>
    public Microsoft.Extensions.Logging.ILogger? Progress { get; init; }

    /// <summary>How often that line is written (<see cref="ProgressLine.DefaultInterval"/>, 10 s).</summary>
    public TimeSpan ProgressInterval { get; init; } = ProgressLine.DefaultInterval;

    public void Validate()
    {
        void Check(bool ok, string field, string problem) { if (!ok) throw new ConfigException("generation probe options", field, problem); }
        Check(Samples > 0, nameof(Samples), $"must be > 0 (got {Samples})");
        Check(Temperature >= 0 && double.IsFinite(Temperature), nameof(Temperature), $"must be ≥ 0 (got {Temperature})");
        Check(MaxNewTokens > 0, nameof(MaxNewTokens), $"must be > 0 (got {MaxNewTokens})");
        Check(TopP is > 0 and <= 1, nameof(TopP), $"must be in (0, 1] (got {TopP})");
        Check(BatchSize > 0, nameof(BatchSize), $"must be > 0 (got {BatchSize})");
        Check(MaxUnjudgedFraction is >= 0 and <= 1, nameof(MaxUnjudgedFraction), $"must be in [0, 1] (got {MaxUnjudgedFraction})");
        Check(ProgressInterval > TimeSpan.Zero, nameof(ProgressInterval), $"must be positive (got {ProgressInterval})");
    }
}

/// <summary>One sampled answer of a <see cref="GenerationProbe"/>: which question and sample it is, its text and whether it ended on a stop token.</summary>
public sealed record SampledAnswer(ProbeQuestion Question, int Sample, string Text, bool Stopped)
{
    /// <summary>
    /// The sampled token ids, the stop token last when <see cref="Stopped"/>; null for answers sampled elsewhere (an
    /// <see cref="IAnswerGenerator"/>), which have text only.
    /// </summary>
    public int[]? TokenIds { get; init; }

    /// <summary>log π^T(y|x) of the answer under the tempered policy that sampled it, recorded while sampling; null for answers sampled elsewhere or greedily.</summary>
    public double? LogProb { get; init; }
}

/// <summary>
/// The paper's probe: for every question of a probe set, K answers sampled from the model (default K = 5,
/// temperature 0.7, at most 256 new tokens, top-p 1, stopping on the tokenizer's stop ids), the question put as the
/// user turn of the chat template; a judge reads each answer's stance distribution; the distributions are averaged
/// over a question's answers, then over a topic's questions. <see cref="TopicMeasurement.N"/> is the number of
/// judged answers; each question keeps its per-answer readings and how each was read. An answer the judge leaves
/// without a reading (after its retries) is skipped and counted in <see cref="TopicMeasurement.Unjudged"/>, up to
/// <see cref="GenerationProbeOptions.MaxUnjudgedFraction"/> of a topic's answers. A question of polarity −1 (it
/// proposes the opposite of the topic's stated position) has its readings oriented, support ↔ oppose, before the topic
/// is averaged; the trace keeps its raw value too (<see cref="QuestionDetail.Oriented(string, IReadOnlyList{StanceDistribution}, int?)"/>).
/// <para>Reproducible: answer k of question q is sampled with seed <c>Seeds.Derive(Seed, hash(q.Id), k)</c> from its
/// own random stream (<see cref="Generation.Generate"/> with row seeds), so results do not depend on the batch size or on the
/// other questions of the set, and the same model gives the same answers at every step it is probed.</para>
/// </summary>
public sealed class GenerationProbe : IDivergenceProbe
{
    private readonly ITokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly IStanceJudge _judge;

    public ProbeSet Probes { get; }
    public GenerationProbeOptions Options { get; }

    public GenerationProbe(ProbeSet probes, ITokenizer tokenizer, ChatTemplate template, IStanceJudge judge, GenerationProbeOptions? options = null)
    {
        Probes = probes;
        _tokenizer = tokenizer;
        _template = template;
        _judge = judge;
        Options = options ?? new GenerationProbeOptions();
        Options.Validate();
    }

    public ProbeResult Measure(CausalLM model) => new(MeasureTopics(model).ToList());

    /// <summary>
    /// <see cref="Measure(CausalLM)"/>, and each topic's KL(π_θ ‖ π_start) estimated on the sampled answers
    /// (<see cref="KlFromStart"/>).
    /// </summary>
    public ProbeResult Measure(CausalLM model, StartPolicy start) => new(MeasureTopics(model, start).ToList());

    /// <summary>
    /// Measures topic by topic, yielding each topic as soon as it is judged (a caller can write it to a trace before
    /// the next topic starts). The same numbers as <see cref="Measure(CausalLM)"/>; with <paramref name="start"/>,
    /// each topic's KL from the start policy too.
    /// </summary>
    public IEnumerable<TopicMeasurement> MeasureTopics(CausalLM model, StartPolicy? start = null)
    {
        // Every topic's answers are sampled together, so batches are as full as BatchSize allows (a decoding step
        // costs nearly the same for 50 rows as for 250 on a small model), then judged and yielded topic by topic.
        var byTopic = Probes.Topics.Select(t => Probes.ForTopic(t)).ToList();
        IReadOnlyList<SampledAnswer> sampled;
        using (PhaseProfile.Measure(PhaseProfile.Phases.Generation)) sampled = Sample(model, byTopic.SelectMany(q => q).ToList());
        double[]? kl = null;
        if (start is not null)
            using (PhaseProfile.Measure(PhaseProfile.Phases.Divergence)) kl = KlFromStart(model, start, sampled);
        var offset = 0;
        using var judging = Options.Progress is { } log ? new ProgressLine(log, "judge", sampled.Count, "answers judged", Options.ProgressInterval) : null;
        foreach (var (topic, questions) in Probes.Topics.Zip(byTopic))
        {
            var answers = sampled.Skip(offset).Take(questions.Count * Options.Samples).ToList();
            var answerKl = kl?.Skip(offset).Take(answers.Count).ToList();
            offset += answers.Count;
            IReadOnlyList<Judgement> judgements;
            using (PhaseProfile.Measure(PhaseProfile.Phases.Judging))
                judgements = _judge.JudgeEach(answers.Select(a => new JudgeItem(a.Question.Topic, a.Question.Question, a.Text)).ToList(), (_, _) => judging?.Add());
            if (judgements.Count != answers.Count) throw new InvalidOperationException($"judge returned {judgements.Count} readings for {answers.Count} answers");
            var details = new List<QuestionDetail>();
            var readouts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var kept = new List<JudgedAnswer>();
            var unjudged = 0;
            int unstanced = 0, mixed = 0, absent = 0;
            var mixedKnown = true;
            string? problem = null;
            for (var i = 0; i < questions.Count; i++)
            {
                var mine = judgements.Skip(i * Options.Samples).Take(Options.Samples).ToList();
                var judged = mine.Where(j => j.Judged).ToList();
                unjudged += mine.Count - judged.Count;
                problem ??= mine.FirstOrDefault(j => !j.Judged)?.Problem;
                foreach (var j in judged) readouts[j.Readout.Name()] = readouts.GetValueOrDefault(j.Readout.Name()) + 1;
                unstanced += judged.Count(j => !j.Stanced);
                mixed += judged.Count(j => j.Mixed == true);
                mixedKnown &= judged.All(j => j.Mixed is not null);
                absent += judged.Count(j => j.NoStanceLabelAbsent);
                if (judged.Count == 0) continue;   // no reading at all: the question has no value at this checkpoint
                var perAnswer = judged.Select(j => j.Distribution!).ToList();
                var q = questions[i];
                kept.AddRange(mine.Select((j, k) => (j, a: answers[i * Options.Samples + k])).Where(x => x.j.Judged)
                    .Select(x => new JudgedAnswer(q, x.a.Sample, x.a.Text, x.j.Distribution!.Oriented(q.Polarity ?? 1), x.j.Stanced)));
                var stanced = judged.Where(j => j.Stanced).Select(j => j.Distribution!.Oriented(q.Polarity ?? 1)).ToList();
                details.Add(QuestionDetail.Oriented(q.Id, perAnswer, q.Polarity) with
                {
                    LabelOrder = _judge.LabelOrder(q.Topic, q.Question), Readouts = judged.Select(j => j.Readout.Name()).ToList(),
                    Stanced = stanced.Count == 0 ? null : StanceDistribution.Mean(stanced), StancedN = stanced.Count,
                    // Over every sampled answer of the question, judged or not: KL is about the policy, not the judge.
                    KlFromStart = answerKl?.Skip(i * Options.Samples).Take(Options.Samples).Average(),
                });
            }
            if (details.Count == 0 || unjudged > Options.MaxUnjudgedFraction * answers.Count)
                throw new ValueDriftException(FormattableString.Invariant(
                    $"judge: {unjudged} of {answers.Count} answers of topic '{topic}' have no reading after retries, more than the {Options.MaxUnjudgedFraction:0.###} allowed; first problem: {problem}"));
            var judgedCount = answers.Count - unjudged;
            var health = new AnswerHealth(
                (double)unstanced / judgedCount, mixedKnown ? (double)mixed / judgedCount : null,
                answers.Average(a => (double)AnswerTokens(a)), answers.Count(a => a.Stopped) / (double)answers.Count) { NoStanceLabelAbsent = absent };
            // The topic's KL weighs each question the same, like its value (and every question has K answers).
            var questionKl = details.Where(d => d.KlFromStart is not null).Select(d => d.KlFromStart!.Value).ToList();
            yield return TopicMeasurement.FromQuestions(topic, details) with
            {
                Unjudged = unjudged, Readouts = readouts, Health = health, JudgedAnswers = kept,
                KlFromStart = questionKl.Count == 0 ? null : questionKl.Average(),
            };
        }
    }

    /// <summary>An answer's length in tokens, its stop token not counted; text from an endpoint is encoded with the probe's tokenizer.</summary>
    private int AnswerTokens(SampledAnswer a) =>
        a.TokenIds is { } ids ? ids.Length - (a.Stopped ? 1 : 0) : _tokenizer.Encode(a.Text).Length;

    /// <summary>
    /// Per sampled answer, log π_θ^T(y|x) − log π_start^T(y|x), both under the probe's sampling temperature T
    /// (<see cref="TemperedLogProbs"/>): its mean over answers sampled from π_θ^T is an unbiased estimate of
    /// KL(π_θ^T ‖ π_start^T), the divergence between the tempered policies the probe reads. Null (not measured) for
    /// answers sampled elsewhere (no token ids) or greedy probes (T = 0: no tempered policy to compare).
    /// </summary>
    private double[]? KlFromStart(CausalLM model, StartPolicy start, IReadOnlyList<SampledAnswer> sampled)
    {
        if (Options.Temperature <= 0 || sampled.Any(a => a.TokenIds is null)) return null;
        var rows = sampled.Select(a => (PromptIds(a.Question.Question), a.TokenIds!)).ToList();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            // The policy's log-probs were recorded while sampling (the same numbers up to float rounding: cached
            // keys and values against one full pass); only the start policy is scored here.
            var policy = sampled.All(a => a.LogProb is not null)
                ? sampled.Select(a => a.LogProb!.Value).ToArray()
                : TemperedLogProbs.Sum(model, rows, Options.Temperature, Options.BatchSize, _tokenizer.PadId);
            var reference = start.Score(model, m => TemperedLogProbs.Sum(m, rows, Options.Temperature, Options.BatchSize, _tokenizer.PadId));
            return policy.Zip(reference, (p, r) => p - r).ToArray();
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// The K sampled answers of each question (question-major: q0 s0..sK-1, q1 s0, ...), decoded without special
    /// tokens. The model is put in eval mode and sampled without gradients; its mode is restored afterwards.
    /// </summary>
    public IReadOnlyList<SampledAnswer> Sample(CausalLM model, IReadOnlyList<ProbeQuestion>? questions = null)
    {
        questions ??= Probes.Questions;
        if (Options.Generator is { } generator)   // the model is served elsewhere; each question carries its own seed
        {
            using var answering = Options.Progress is { } log ? new ProgressLine(log, "generator", questions.Count, "questions answered", Options.ProgressInterval) : null;
            return generator.Generate(questions.Select(q => new AnswerPrompt(q, _template.FormatPrompt([ChatMessage.User(q.Question)]),
                PromptIds(q.Question), Seeds.Derive(Options.Seed, StableHash(q.Id)))).ToList(), Options, _ => answering?.Add());
        }
        var rows = new List<(ProbeQuestion Q, int K, int[] Prompt, long Seed)>();
        foreach (var q in questions)
        {
            var prompt = PromptIds(q.Question);
            CheckIds(prompt, model, q.Id);
            var qSeed = StableHash(q.Id);
            for (var k = 0; k < Options.Samples; k++) rows.Add((q, k, prompt, Seeds.Derive(Options.Seed, qSeed, k)));
        }
        var o = new GenerationOptions
        {
            MaxNewTokens = Options.MaxNewTokens, Temperature = Options.Temperature, TopP = Options.TopP,
            StopTokenIds = _tokenizer.StopIds, PadTokenId = _tokenizer.PadId,
            KeepStopToken = true,   // scored with the answer for kl_from_start; the text is decoded without it
            ReturnLogProbs = Options.Temperature > 0,   // the policy's side of kl_from_start, at no extra forward pass
        };
        var answers = new List<SampledAnswer>(rows.Count);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            foreach (var chunk in rows.Chunk(Options.BatchSize))
            {
                var generated = Generation.Generate(model, chunk.Select(r => r.Prompt).ToList(), o, chunk.Select(r => r.Seed).ToList());
                for (var i = 0; i < chunk.Length; i++)
                {
                    var (tokens, stopped) = (generated[i].Tokens, generated[i].Stopped);
                    answers.Add(new SampledAnswer(chunk[i].Q, chunk[i].K, _tokenizer.Decode(stopped ? tokens[..^1] : tokens), stopped)
                    {
                        TokenIds = tokens, LogProb = generated[i].LogProb,
                    });
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return answers;
    }

    /// <summary>Token ids of the prompt a question is asked with: the chat template with the question as the user turn.</summary>
    public int[] PromptIds(string question) => _tokenizer.Encode(_template.FormatPrompt([ChatMessage.User(question)]));

    internal static void CheckIds(int[] ids, CausalLM model, string what)
    {
        if (ids.Length == 0) throw new ConfigException("probe", "question", $"{what}: the prompt encodes to no tokens");
        var max = ids.Max();
        if (max >= model.Config.VocabSize)
            throw new ConfigException("probe", "vocab_size",
                $"{what}: the tokenizer produced id {max} but the model's vocabulary has {model.Config.VocabSize} ids; the tokenizer does not belong to this model");
    }

    /// <summary>FNV-1a over the UTF-8 bytes: a stable number for a question id (string.GetHashCode varies per process).</summary>
    internal static long StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) { h ^= b; h *= 1099511628211UL; }
        return (long)(h & 0x7FFFFFFFFFFFFFFFUL);
    }
}
