using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Data;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift gap --data FILE [--judge ...] [--format text|json]</c>: judges the chosen and the rejected answer of
/// every pair of a preference file and prints the value gap per topic (<see cref="ValueGap"/>). A pair's topic is
/// the field named by <c>--topic-field</c> (default <c>topic</c>) when present; else, with <c>--probes FILE</c>, the
/// topic of the probe question the pair's question is (word for word, case and spacing aside) or contains, else the one
/// probe topic whose name appears in it; else "all", and the output counts those pairs and names the first few. The
/// question shown to the judge is the pair's last user message. Each answer is judged on its own with the judge's
/// retries, as <c>probe</c> does: a pair left without a reading is skipped and counted (up to <c>--max-unjudged</c>
/// of the pairs), and the failure names the endpoint, the HTTP status and the pair. <c>--exclude-topic</c> leaves out pairs of a topic (e.g. "instruction", the world's
/// non-value pairs). <c>--judge</c> is required unless the pairs are the embedded world's.
/// </summary>
public sealed class GapCommand : ICliCommand
{
    /// <summary>Topic of pairs whose row names none.</summary>
    public const string DefaultTopic = "all";

    public Command Build(CliIO io)
    {
        var data = new Option<string>("--data") { Description = "preference file (JSONL, JSON or Parquet: prompt, chosen, rejected[, topic])", Required = true };
        var judge = JudgeOption.Create();
        var format = new Option<string>("--format") { Description = "text | json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var exclude = new Option<string[]>("--exclude-topic") { Description = "leave out pairs of this topic (repeatable)", AllowMultipleArgumentsPerToken = false };
        var topicField = new Option<string>("--topic-field") { Description = "the row field that names a pair's topic", DefaultValueFactory = _ => "topic" };
        var probes = new Option<string?>("--probes") { Description = "probe set whose questions (or topic names) found in a pair's question give the topic of pairs without one" };
        var maxUnjudged = new Option<double>("--max-unjudged")
        {
            Description = "fraction of the pairs the judge may leave without a reading (skipped and counted) before the command fails",
            DefaultValueFactory = _ => ValueGapMeasurement.DefaultMaxSkippedFraction,
        };
        var cmd = new Command("gap", "Value gap (chosen vs rejected stances) of a preference dataset, per topic.") { data, format, exclude, topicField, probes, maxUnjudged };
        judge.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var file = r.GetValue(data)!;
            var excluded = (r.GetValue(exclude) ?? []).ToHashSet(StringComparer.Ordinal);
            var probeSet = r.GetValue(probes) is { } pf ? ProbeSet.Load(pf) : null;
            var (all, withoutTopic) = Read(file, r.GetValue(topicField)!, probeSet);
            var items = all.Where(i => !excluded.Contains(i.Topic)).ToList();
            if (items.Count == 0) throw new DataFormatException(file, null, null, "no preference pairs to judge");
            // The world's own files name world topics; any other data needs a real judge.
            var world = items.Any(i => JudgeOption.AllWorldTopics([i.Topic]));
            var j = judge.Resolve(r, world);
            ValueGapMeasurement measured;
            try { measured = ValueGapMeasurement.Measure(j, items, r.GetValue(maxUnjudged)); }
            finally
            {
                if (JudgeOption.CacheSummary(j) is { } summary) io.Err.WriteLine(summary);
                (j as IDisposable)?.Dispose();
            }
            bool json = r.GetValue(format) == "json";
            io.Out.Write(json ? ToJson(measured.Gaps) : ToTable(measured.Gaps));
            // Text output carries the notes (JSON keeps its shape: they go to stderr there).
            var notes = json ? io.Err : io.Out;
            if (measured.Skipped.Count > 0)
                io.Err.WriteLine($"warning: {SkippedNote(measured)}");
            if (!json && measured.Skipped.Count > 0) notes.WriteLine(SkippedNote(measured));
            if (probeSet is not null && withoutTopic.Count > 0) notes.WriteLine(WithoutTopicNote(withoutTopic, all.Count));
            return 0;
        });
        return cmd;
    }

    /// <summary>How many pairs were skipped, and the first few with their problem.</summary>
    private static string SkippedNote(ValueGapMeasurement m) =>
        $"{m.Skipped.Count} of {m.Pairs} pairs skipped: the judge gave no reading after retries; " + string.Join("; ", m.Skipped.Take(3)) + (m.Skipped.Count > 3 ? "; …" : "");

    /// <summary>How many pairs no probe question or topic name placed (counted under "all"), and the first few.</summary>
    internal static string WithoutTopicNote(IReadOnlyList<ValueGapItem> withoutTopic, int pairs) =>
        $"{withoutTopic.Count} of {pairs} pairs have no topic (no topic field, no probe question or topic name in their question; counted under '{DefaultTopic}'): " +
        string.Join("; ", withoutTopic.Take(3).Select(p => $"{p.Origin} '{(p.Prompt.Length <= 60 ? p.Prompt : p.Prompt[..60] + "…")}'")) + (withoutTopic.Count > 3 ? "; …" : "");

    /// <summary>The pairs of a preference file as value-gap items (text pairs only: a judge reads text).</summary>
    /// <param name="topicField">The row field naming the topic.</param>
    /// <param name="probes">A probe set whose questions (or topic names) give the topic of a pair that names none.</param>
    internal static IReadOnlyList<ValueGapItem> Items(string file, string topicField = "topic", ProbeSet? probes = null) => Read(file, topicField, probes).Items;

    /// <summary><see cref="Items"/>, and those of them no topic field, probe question or topic name placed.</summary>
    internal static (IReadOnlyList<ValueGapItem> Items, IReadOnlyList<ValueGapItem> WithoutTopic) Read(string file, string topicField = "topic", ProbeSet? probes = null)
    {
        var pairs = DatasetReader.ReadPreferencePairs(file).Rows;
        var questions = probes is null ? [] : probes.Questions.Select(q => (Text: Normalise(q.Question), q.Topic)).Where(q => q.Text.Length > 0).ToList();
        var withoutTopic = new List<ValueGapItem>();
        var items = pairs.Select(p =>
        {
            if (p.IsTokenized || p.Chosen is null || p.Rejected is null)
                throw new DataFormatException(file, p.Origin?.Row, "chosen", "token-id pairs cannot be judged: the value gap needs answer text");
            var question = p.Prompt?.LastOrDefault(m => m.Role == ChatRoles.User)?.Content
                ?? string.Join("\n", p.Prompt?.Select(m => m.Content) ?? []);
            var topic = topicField == "topic" && !string.IsNullOrWhiteSpace(p.Topic) ? p.Topic
                : p.Metadata.TryGetValue(topicField, out var t) && !string.IsNullOrWhiteSpace(t) ? t
                : MatchQuestion(question, questions) ?? MatchTopic(question, probes?.Topics);
            var item = new ValueGapItem(topic ?? DefaultTopic, question, p.Chosen, p.Rejected)
            {
                Origin = $"{Path.GetFileName(file)} row {p.Origin?.Row.ToString(CultureInfo.InvariantCulture) ?? "?"}",
            };
            if (topic is null) withoutTopic.Add(item);
            return item;
        }).ToList();
        return (items, withoutTopic);
    }

    /// <summary>
    /// The topic of the probe question the pair's question is (after <see cref="Normalise"/>), else of the probe
    /// questions it contains when they share one topic; null otherwise.
    /// </summary>
    internal static string? MatchQuestion(string question, IReadOnlyList<(string Text, string Topic)> probeQuestions)
    {
        if (probeQuestions.Count == 0) return null;
        var text = Normalise(question);
        if (probeQuestions.FirstOrDefault(q => q.Text == text) is { Topic: { } exact }) return exact;
        var within = probeQuestions.Where(q => text.Contains(q.Text, StringComparison.Ordinal)).Select(q => q.Topic).Distinct().ToList();
        return within.Count == 1 ? within[0] : null;
    }

    /// <summary>Lower case, runs of white space as one space, without the closing punctuation and quotes: how a question is compared.</summary>
    internal static string Normalise(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text.ToLowerInvariant(), @"\s+", " ").Trim().TrimEnd('?', '.', '!', '"', '\'', ' ').TrimStart('"', '\'', ' ');

    /// <summary>The one topic whose name (hyphens read as spaces) appears in the question as whole words; null when none or several do.</summary>
    internal static string? MatchTopic(string question, IReadOnlyList<string>? topics)
    {
        if (topics is null || topics.Count == 0) return null;
        var found = topics.Where(t => System.Text.RegularExpressions.Regex.IsMatch(question,
            @"\b" + System.Text.RegularExpressions.Regex.Escape(t.Replace('-', ' ').Replace('_', ' ')).Replace(@"\ ", @"[\s-]+") + @"\b",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)).ToList();
        return found.Count == 1 ? found[0] : null;
    }

    private static string ToTable(IReadOnlyList<ValueGap> gaps)
    {
        var width = Math.Max(5, gaps.Max(g => g.Topic.Length));
        var sb = new StringBuilder();
        // TV stays the last column; the per-pair numbers (mean over pairs, 95% interval over pairs) come before it.
        sb.AppendLine($"{"topic".PadRight(width)}  pairs  chosen (s/n/o)        rejected (s/n/o)      Δ support  Δ neutral  Δ oppose  {"Δ support 95% CI",-18}  {"pair TV [95% CI]",-24}     TV");
        foreach (var g in gaps)
        {
            var ds = g.PairDifference(Stance.Support);
            var tv = g.PairTotalVariation();
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{g.Topic.PadRight(width)}  {g.Pairs,5}  {g.Chosen.Support:0.000} {g.Chosen.Neutral:0.000} {g.Chosen.Oppose:0.000}   " +
                $"{g.Rejected.Support:0.000} {g.Rejected.Neutral:0.000} {g.Rejected.Oppose:0.000}   " +
                $"{g.Difference(Stance.Support),9:+0.000;-0.000}  {g.Difference(Stance.Neutral),9:+0.000;-0.000}  {g.Difference(Stance.Oppose),8:+0.000;-0.000}  " +
                $"{ds?.Interval?.ToString() ?? "n/a",-18}  {(tv is null ? "n/a" : $"{tv.Mean:0.000} {tv.Interval?.ToString() ?? "n/a"}"),-24}  {g.TotalVariation:0.000}"));
        }
        return sb.ToString();
    }

    /// <summary>JSON of one topic's gap.</summary>
    public sealed record GapJson(
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("pairs")] int Pairs,
        [property: JsonPropertyName("chosen")] StanceJson Chosen,
        [property: JsonPropertyName("rejected")] StanceJson Rejected,
        [property: JsonPropertyName("difference")] StanceJson Difference,
        [property: JsonPropertyName("total_variation")] double TotalVariation,
        [property: JsonPropertyName("pair_difference")] PairStancesJson? PairDifference,
        [property: JsonPropertyName("pair_total_variation")] PairJson? PairTotalVariation);

    /// <summary>A mean over pairs and its 95% bootstrap interval over pairs (null for one pair).</summary>
    public sealed record PairJson(
        [property: JsonPropertyName("mean")] double Mean,
        [property: JsonPropertyName("ci")] double[]? Ci);

    /// <summary>Per-pair means in the stance order.</summary>
    public sealed record PairStancesJson(
        [property: JsonPropertyName("support")] PairJson Support,
        [property: JsonPropertyName("neutral")] PairJson Neutral,
        [property: JsonPropertyName("oppose")] PairJson Oppose);

    private static PairJson? Pair(PairEstimate? e) => e is null ? null : new PairJson(e.Mean, e.Interval?.ToArray());

    /// <summary>Three numbers in the stance order.</summary>
    public sealed record StanceJson(
        [property: JsonPropertyName("support")] double Support,
        [property: JsonPropertyName("neutral")] double Neutral,
        [property: JsonPropertyName("oppose")] double Oppose);

    private static string ToJson(IReadOnlyList<ValueGap> gaps) => JsonSerializer.Serialize(gaps.Select(g => new GapJson(g.Topic, g.Pairs,
        new(g.Chosen.Support, g.Chosen.Neutral, g.Chosen.Oppose),
        new(g.Rejected.Support, g.Rejected.Neutral, g.Rejected.Oppose),
        new(g.Difference(Stance.Support), g.Difference(Stance.Neutral), g.Difference(Stance.Oppose)),
        g.TotalVariation,
        g.PairDifferences is null ? null : new PairStancesJson(Pair(g.PairDifference(Stance.Support))!, Pair(g.PairDifference(Stance.Neutral))!, Pair(g.PairDifference(Stance.Oppose))!),
        Pair(g.PairTotalVariation()))).ToList(), new JsonSerializerOptions { WriteIndented = true }) + "\n";
}
