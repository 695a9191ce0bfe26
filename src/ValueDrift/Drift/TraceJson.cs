using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Errors;
using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>The on-disk JSON shape of a trace line, mapped to and from <see cref="TraceRecord"/>.</summary>
internal static class TraceJson
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Exact round-trip of doubles and no indentation: one record, one line.
        WriteIndented = false,
    };

    internal sealed class Line
    {
        [JsonPropertyName("phase")] public string? Phase { get; set; }
        [JsonPropertyName("step")] public int? Step { get; set; }
        [JsonPropertyName("topic")] public string? Topic { get; set; }
        [JsonPropertyName("support")] public double? Support { get; set; }
        [JsonPropertyName("neutral")] public double? Neutral { get; set; }
        [JsonPropertyName("oppose")] public double? Oppose { get; set; }
        [JsonPropertyName("n")] public int? N { get; set; }
        [JsonPropertyName("questions")] public List<Question>? Questions { get; set; }
        [JsonPropertyName("unjudged")] public int? Unjudged { get; set; }
        [JsonPropertyName("readouts")] public Dictionary<string, int>? Readouts { get; set; }
        [JsonPropertyName("unstanced")] public double? Unstanced { get; set; }
        [JsonPropertyName("mixed")] public double? Mixed { get; set; }
        [JsonPropertyName("mean_answer_tokens")] public double? MeanAnswerTokens { get; set; }
        [JsonPropertyName("ended")] public double? Ended { get; set; }
        [JsonPropertyName("no_stance_label_absent")] public int? NoStanceLabelAbsent { get; set; }
        [JsonPropertyName("kl_from_start")] public double? KlFromStart { get; set; }
        [JsonPropertyName("kl_from_start_ci")] public double[]? KlFromStartCi { get; set; }
    }

    internal sealed class Question
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("support")] public double? Support { get; set; }
        [JsonPropertyName("neutral")] public double? Neutral { get; set; }
        [JsonPropertyName("oppose")] public double? Oppose { get; set; }
        [JsonPropertyName("n")] public int? N { get; set; }
        [JsonPropertyName("polarity")] public int? Polarity { get; set; }
        [JsonPropertyName("raw")] public double[]? Raw { get; set; }
        [JsonPropertyName("label_order")] public List<string>? LabelOrder { get; set; }
        [JsonPropertyName("answers")] public List<double[]>? Answers { get; set; }
        [JsonPropertyName("readouts")] public List<string>? Readouts { get; set; }
        [JsonPropertyName("stanced")] public double[]? Stanced { get; set; }
        [JsonPropertyName("n_stanced")] public int? StancedN { get; set; }
        [JsonPropertyName("kl_from_start")] public double? KlFromStart { get; set; }
    }

    internal static string Serialize(TraceRecord r) => JsonSerializer.Serialize(new Line
    {
        Phase = r.Phase,
        Step = r.Step,
        Topic = r.Topic,
        Support = r.Value.Support,
        Neutral = r.Value.Neutral,
        Oppose = r.Value.Oppose,
        N = r.N,
        Questions = r.Questions?.Select(q => new Question
        {
            Id = q.Id,
            Support = q.Value.Support,
            Neutral = q.Value.Neutral,
            Oppose = q.Value.Oppose,
            N = q.N,
            Polarity = q.Polarity,
            Raw = q.Raw?.ToArray(),
            LabelOrder = q.LabelOrder?.Select(x => x.Label()).ToList(),
            Answers = q.Answers?.Select(a => a.ToArray()).ToList(),
            Readouts = q.Readouts?.ToList(),
            Stanced = q.Stanced?.ToArray(),
            StancedN = q.StancedN,
            KlFromStart = q.KlFromStart,
        }).ToList(),
        Unjudged = r.Unjudged == 0 ? null : r.Unjudged,
        Readouts = r.Readouts?.ToDictionary(),
        Unstanced = r.Health?.Unstanced,
        Mixed = r.Health?.Mixed,
        MeanAnswerTokens = r.Health?.MeanAnswerTokens,
        Ended = r.Health?.Ended,
        NoStanceLabelAbsent = r.Health is { NoStanceLabelAbsent: > 0 } h ? h.NoStanceLabelAbsent : null,
        KlFromStart = r.KlFromStart,
        KlFromStartCi = r.KlFromStartCi?.ToArray(),
    }, Options);

    /// <summary>Parses and validates one line; throws <see cref="DataFormatException"/> naming file, line and field.</summary>
    internal static TraceRecord Parse(string text, string file, long line)
    {
        Line? l;
        try { l = JsonSerializer.Deserialize<Line>(text, Options); }
        catch (JsonException e) { throw new DataFormatException(file, line, e.Path, "not a valid trace record: " + e.Message, e); }
        if (l is null) throw new DataFormatException(file, line, null, "expected a JSON object");

        string Req(string? v, string field) =>
            string.IsNullOrWhiteSpace(v) ? throw new DataFormatException(file, line, field, "is missing or empty") : v;
        int Count(int? v, string field) =>
            v is null ? throw new DataFormatException(file, line, field, "is missing")
            : v < 0 ? throw new DataFormatException(file, line, field, $"must not be negative (got {v})") : v.Value;
        StanceDistribution Dist(double? s, double? n, double? o, string prefix)
        {
            if (s is null) throw new DataFormatException(file, line, prefix + "support", "is missing");
            if (n is null) throw new DataFormatException(file, line, prefix + "neutral", "is missing");
            if (o is null) throw new DataFormatException(file, line, prefix + "oppose", "is missing");
            try { return new StanceDistribution(s.Value, n.Value, o.Value); }
            catch (ArgumentException e) { throw new DataFormatException(file, line, prefix + "support/neutral/oppose", e.Message, e); }
        }

        List<QuestionDetail>? questions = null;
        if (l.Questions is not null)
        {
            questions = [];
            for (var i = 0; i < l.Questions.Count; i++)
            {
                var q = l.Questions[i];
                var prefix = $"questions[{i}].";
                List<StanceDistribution>? answers = null;
                if (q.Answers is not null)
                {
                    answers = [];
                    for (var j = 0; j < q.Answers.Count; j++)
                    {
                        var a = q.Answers[j];
                        if (a is null || a.Length != 3)
                            throw new DataFormatException(file, line, $"{prefix}answers[{j}]", "expected [support, neutral, oppose]");
                        answers.Add(Dist(a[0], a[1], a[2], $"{prefix}answers[{j}]."));
                    }
                }
                if (q.Polarity is { } pol && pol is not (1 or -1))
                    throw new DataFormatException(file, line, prefix + "polarity", $"must be 1 or -1 (got {pol})");
                StanceDistribution? raw = null;
                if (q.Raw is not null)
                {
                    if (q.Raw.Length != 3) throw new DataFormatException(file, line, prefix + "raw", "expected [support, neutral, oppose]");
                    raw = Dist(q.Raw[0], q.Raw[1], q.Raw[2], prefix + "raw.");
                }
                List<Stance>? order = null;
                if (q.LabelOrder is not null)
                {
                    order = q.LabelOrder.Select((x, k) => StanceLabels.Parse(x, file, line, $"{prefix}label_order[{k}]")).ToList();
                    if (order.Count != 3 || order.Distinct().Count() != 3)
                        throw new DataFormatException(file, line, prefix + "label_order", "must list support, neutral and oppose once each");
                }
                StanceDistribution? stanced = null;
                if (q.Stanced is not null)
                {
                    if (q.Stanced.Length != 3) throw new DataFormatException(file, line, prefix + "stanced", "expected [support, neutral, oppose]");
                    stanced = Dist(q.Stanced[0], q.Stanced[1], q.Stanced[2], prefix + "stanced.");
                }
                int? stancedN = q.StancedN is null ? null : Count(q.StancedN, prefix + "n_stanced");
                if (stancedN > 0 && stanced is null) throw new DataFormatException(file, line, prefix + "stanced", $"is missing although n_stanced is {stancedN}");
                questions.Add(new QuestionDetail(Req(q.Id, prefix + "id"), Dist(q.Support, q.Neutral, q.Oppose, prefix),
                    Count(q.N, prefix + "n"), answers, q.Polarity, raw)
                {
                    LabelOrder = order, Readouts = q.Readouts, Stanced = stanced, StancedN = stancedN,
                    KlFromStart = q.KlFromStart is { } qkl ? Finite(qkl, prefix + "kl_from_start") : null,
                });
            }
        }
        return new TraceRecord(Req(l.Phase, "phase"), Count(l.Step, "step"), Req(l.Topic, "topic"),
            Dist(l.Support, l.Neutral, l.Oppose, ""), Count(l.N, "n"), questions)
        {
            Unjudged = l.Unjudged is null ? 0 : Count(l.Unjudged, "unjudged"),
            Readouts = l.Readouts,
            Health = Health(l, file, line),
            KlFromStart = l.KlFromStart is { } kl ? Finite(kl, "kl_from_start") : null,
            KlFromStartCi = l.KlFromStartCi is null ? null
                : l.KlFromStartCi.Length != 2 || !l.KlFromStartCi.All(double.IsFinite) || l.KlFromStartCi[0] > l.KlFromStartCi[1]
                    ? throw new DataFormatException(file, line, "kl_from_start_ci", "expected [lower, upper], finite, lower ≤ upper")
                    : new Interval(l.KlFromStartCi[0], l.KlFromStartCi[1]),
        };

        double Finite(double v, string field) =>
            double.IsFinite(v) ? v : throw new DataFormatException(file, line, field, $"must be a finite number (got {v})");
    }

    /// <summary>The line's answer health: absent in lines without it; all of unstanced, mean_answer_tokens and ended, or an error naming the missing one.</summary>
    private static AnswerHealth? Health(Line l, string file, long line)
    {
        if (l.Unstanced is null && l.MeanAnswerTokens is null && l.Ended is null && l.Mixed is null) return null;
        double Share(double? v, string field) =>
            v is null ? throw new DataFormatException(file, line, field, "is missing (a line with answer health has unstanced, mean_answer_tokens and ended)")
            : v is < 0 or > 1 || double.IsNaN(v.Value) ? throw new DataFormatException(file, line, field, $"must be a share in [0, 1] (got {v})") : v.Value;
        var tokens = l.MeanAnswerTokens is null
            ? throw new DataFormatException(file, line, "mean_answer_tokens", "is missing (a line with answer health has unstanced, mean_answer_tokens and ended)")
            : l.MeanAnswerTokens is < 0 || !double.IsFinite(l.MeanAnswerTokens.Value)
                ? throw new DataFormatException(file, line, "mean_answer_tokens", $"must be a finite number ≥ 0 (got {l.MeanAnswerTokens})") : l.MeanAnswerTokens.Value;
        return new AnswerHealth(Share(l.Unstanced, "unstanced"), l.Mixed is null ? null : Share(l.Mixed, "mixed"), tokens, Share(l.Ended, "ended"))
        {
            NoStanceLabelAbsent = l.NoStanceLabelAbsent is { } a ? a >= 0 ? a : throw new DataFormatException(file, line, "no_stance_label_absent", $"must not be negative (got {a})") : 0,
        };
    }
}
