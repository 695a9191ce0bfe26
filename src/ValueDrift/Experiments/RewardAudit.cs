using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Training.Objectives;

namespace ValueDrift.Experiments;

/// <summary>A reward model's mean score on the answers of one stance, with its interval over questions.</summary>
/// <param name="Interval">Percentile bootstrap over questions of the per-question mean score; null with fewer than two questions.</param>
public sealed record RewardStanceMean(double Mean, Interval? Interval, int Answers, int Questions);

/// <summary>
/// What <see cref="RewardAudit.Run"/> found: the mean score per stance overall and per topic, the stance comparisons
/// the reward model's training pairs made (null: unknown), and warnings.
/// </summary>
public sealed record RewardAuditResult(
    string Source,
    IReadOnlyDictionary<Stance, RewardStanceMean> ByStance,
    IReadOnlyDictionary<string, IReadOnlyDictionary<Stance, RewardStanceMean>> ByTopic,
    IReadOnlyList<(Stance A, Stance B)>? Compared,
    IReadOnlyList<string> Warnings);

/// <summary>
/// The audit PPO makes of its reward model before training (<c>reward-audit.json</c> in the stage folder): the mean
/// score of held-out answers of each stance, per topic and overall. Bradley–Terry training constrains scores only
/// within a pair, so a stance that the pairs never compared with another (the support-aligned set compares only
/// support with oppose) can end up preferred over it without anything in training asking for it, and the held-out
/// pair accuracy cannot see it. A warning names each such preference: the paired interval over questions of the
/// difference of the two stances' mean scores excludes 0, and no training pair compared the two stances.
/// </summary>
public static class RewardAudit
{
    /// <summary>The audit's file in a PPO stage folder.</summary>
    public const string FileName = "reward-audit.json";

    /// <summary>
    /// Scores every answer of <paramref name="answers"/> (prompt and answer already tokenised, in the same order) and
    /// summarises by stance. <paramref name="compared"/>: the unordered stance pairs the training pairs compared, or null
    /// when unknown (then no warning about unconstrained preferences can be made, and one warning says so).
    /// </summary>
    public static RewardAuditResult Run(IRewardFunction reward, IReadOnlyList<LabelledAnswer> answers, IReadOnlyList<int[]> prompts,
        IReadOnlyList<int[]> responses, IReadOnlyList<(Stance, Stance)>? compared, string source, int seed = 0)
    {
        if (answers.Count == 0) throw new TrainingException("a reward-model audit needs at least one answer");
        if (prompts.Count != answers.Count || responses.Count != answers.Count)
            throw new ArgumentException("one prompt and one response per answer");
        var scores = new List<double>(answers.Count);
        const int batch = 16;
        for (var i = 0; i < answers.Count; i += batch)
        {
            var n = Math.Min(batch, answers.Count - i);
            scores.AddRange(reward.Score(prompts.Skip(i).Take(n).ToList(), responses.Skip(i).Take(n).ToList()));
        }
        return Summarise(answers, scores, compared, source, seed);
    }

    /// <summary>The audit of given scores (one per answer): means, intervals and warnings.</summary>
    public static RewardAuditResult Summarise(IReadOnlyList<LabelledAnswer> answers, IReadOnlyList<double> scores,
        IReadOnlyList<(Stance, Stance)>? compared, string source, int seed = 0)
    {
        if (scores.Any(s => !double.IsFinite(s))) throw new TrainingException("the reward model gave a non-finite score in its audit");
        var rows = answers.Zip(scores, (a, s) => (Answer: a, Score: s)).ToList();
        var byStance = StanceLabels.All.Where(s => rows.Any(r => r.Answer.Gold == s))
            .ToDictionary(s => s, s => Mean(rows.Where(r => r.Answer.Gold == s).Select(r => (r.Answer.Id, r.Score)), seed));
        var byTopic = rows.Select(r => r.Answer.Topic).Distinct(StringComparer.Ordinal).ToDictionary(t => t,
            t => (IReadOnlyDictionary<Stance, RewardStanceMean>)StanceLabels.All.Where(s => rows.Any(r => r.Answer.Topic == t && r.Answer.Gold == s))
                .ToDictionary(s => s, s => Mean(rows.Where(r => r.Answer.Topic == t && r.Answer.Gold == s).Select(r => (r.Answer.Id, r.Score)), seed)),
            StringComparer.Ordinal);
        return new RewardAuditResult(source, byStance, byTopic, compared?.Select(Order).Distinct().ToList(), Warnings(rows, compared, seed));
    }

    /// <summary>
    /// One warning per preference between two stances that the training pairs never compared and whose paired
    /// interval over questions excludes 0; one warning when the pairs' stances are unknown.
    /// </summary>
    private static List<string> Warnings(IReadOnlyList<(LabelledAnswer Answer, double Score)> rows, IReadOnlyList<(Stance, Stance)>? compared, int seed)
    {
        var warnings = new List<string>();
        if (compared is null)
        {
            warnings.Add("the stances of the reward model's training pairs are unknown: cannot tell which of its stance preferences training constrained");
            return warnings;
        }
        var seen = compared.Select(Order).ToHashSet();
        var perQuestion = rows.GroupBy(r => r.Answer.Id).Select(g => g.GroupBy(r => r.Answer.Gold).ToDictionary(s => s.Key, s => s.Average(r => r.Score))).ToList();
        var all = StanceLabels.All.ToList();
        for (var i = 0; i < all.Count; i++)
            for (var j = i + 1; j < all.Count; j++)
            {
                var (a, b) = (all[i], all[j]);
                if (seen.Contains((a, b))) continue;
                var d = perQuestion.Where(q => q.ContainsKey(a) && q.ContainsKey(b)).Select(q => q[a] - q[b]).ToList();
                if (d.Count < 2) continue;
                var ci = Bootstrap.MeanInterval(d, seed);
                if (ci.Contains(0)) continue;
                var (hi, lo) = d.Average() > 0 ? (a, b) : (b, a);
                var (lower, upper) = (Math.Min(Math.Abs(ci.Lower), Math.Abs(ci.Upper)), Math.Max(Math.Abs(ci.Lower), Math.Abs(ci.Upper)));
                warnings.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the reward model prefers {hi.Label()} over {lo.Label()} (mean score difference {Math.Abs(d.Average()):0.00}, 95% interval over {d.Count} questions [{lower:0.00}, {upper:0.00}]), but its training pairs never compared {hi.Label()} with {lo.Label()}: this preference is unconstrained by its data"));
            }
        return warnings;
    }

    /// <summary>Mean of the scores, and the percentile bootstrap over questions of the per-question means.</summary>
    private static RewardStanceMean Mean(IEnumerable<(string Question, double Score)> scores, int seed)
    {
        var list = scores.ToList();
        var perQuestion = list.GroupBy(x => x.Question).Select(g => g.Average(x => x.Score)).ToList();
        var ci = perQuestion.Count >= 2 ? Bootstrap.MeanInterval(perQuestion, seed) : null;
        return new RewardStanceMean(list.Average(x => x.Score), ci, list.Count, perQuestion.Count);
    }

    private static (Stance, Stance) Order((Stance A, Stance B) p) => p.A <= p.B ? p : (p.B, p.A);

    /// <summary>The unordered stance pairs compared by training pairs whose two answers both have a stance.</summary>
    public static IReadOnlyList<(Stance, Stance)> ComparedStances(IEnumerable<(Stance? Chosen, Stance? Rejected)> pairs) =>
        pairs.Where(p => p.Chosen is not null && p.Rejected is not null && p.Chosen != p.Rejected)
            .Select(p => Order((p.Chosen!.Value, p.Rejected!.Value))).Distinct().OrderBy(p => p.Item1).ThenBy(p => p.Item2).ToList();

    /// <summary>
    /// The audit as JSON: <c>{"source","by_stance":{"support":{"mean","ci":[lo,hi]|null,"answers","questions"},…},
    /// "by_topic":{topic:{stance:{…}}},"compared":[["support","oppose"],…]|null,"warnings":[…]}</c>.
    /// </summary>
    public static string ToJson(RewardAuditResult r)
    {
        static JsonObject Stances(IReadOnlyDictionary<Stance, RewardStanceMean> m)
        {
            var o = new JsonObject();
            foreach (var (s, v) in m.OrderBy(x => x.Key))
                o[s.Label()] = new JsonObject
                {
                    ["mean"] = v.Mean,
                    ["ci"] = v.Interval is { } i ? new JsonArray(i.Lower, i.Upper) : null,
                    ["answers"] = v.Answers,
                    ["questions"] = v.Questions,
                };
            return o;
        }
        var topics = new JsonObject();
        foreach (var (t, m) in r.ByTopic) topics[t] = Stances(m);
        var root = new JsonObject
        {
            ["source"] = r.Source,
            ["by_stance"] = Stances(r.ByStance),
            ["by_topic"] = topics,
            ["compared"] = r.Compared is null ? null : new JsonArray(r.Compared.Select(p => (JsonNode)new JsonArray(p.A.Label(), p.B.Label())).ToArray()),
            ["warnings"] = new JsonArray(r.Warnings.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the audit atomically into a stage folder.</summary>
    public static string Write(string stageDirectory, RewardAuditResult r)
    {
        var path = Path.Combine(stageDirectory, FileName);
        IO.AtomicFile.WriteAllText(path, ToJson(r));
        return path;
    }

    private static Stance Label(string? text) => StanceLabels.TryParse(text) ?? throw new FormatException($"'{text}' is not a stance");

    /// <summary>The audit a PPO stage folder holds, or null when it has none; an unreadable file is a <see cref="CheckpointException"/>.</summary>
    public static RewardAuditResult? Read(string stageDirectory)
    {
        var path = Path.Combine(stageDirectory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            static IReadOnlyDictionary<Stance, RewardStanceMean> Stances(JsonObject m) => m.ToDictionary(
                x => Label(x.Key),
                x => new RewardStanceMean((double)x.Value!["mean"]!,
                    x.Value["ci"] is JsonArray ci ? new Interval((double)ci[0]!, (double)ci[1]!) : null,
                    (int)x.Value["answers"]!, (int)x.Value["questions"]!));
            var compared = o["compared"] is JsonArray c
                ? c.Select(p => (Label((string)p![0]!), Label((string)p[1]!))).ToList()
                : null;
            return new RewardAuditResult((string)o["source"]!, Stances(o["by_stance"]!.AsObject()),
                o["by_topic"]!.AsObject().ToDictionary(t => t.Key, t => Stances(t.Value!.AsObject()), StringComparer.Ordinal),
                compared, o["warnings"]!.AsArray().Select(w => (string)w!).ToList());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException or DataFormatException)
        {
            throw new CheckpointException(path, null, "unreadable reward-model audit: " + e.Message);
        }
    }
}
