using System.Globalization;
using System.Text.Json;
using ValueDrift.Errors;

namespace ValueDrift.Training.Ppo;

/// <summary>
/// Whether a PPO stage optimised in its stable regime, read from its per-step metrics (metrics.jsonl): the median over
/// steps of <c>policy/approxkl_avg</c> and <c>policy/clipfrac_avg</c> against the stable range
/// (<see cref="StableApproxKl"/>, <see cref="StableClipFraction"/>; docs/training.md, "Stable range"), the steps whose
/// approxkl passed it, and how often target-KL early stopping ended a rollout's updates.
/// </summary>
/// <param name="Steps">Steps with PPO metrics.</param>
/// <param name="StepsAboveRange">Steps (as numbered in metrics.jsonl) whose approxkl exceeded <see cref="StableApproxKl"/>.</param>
/// <param name="MeanUpdates">Updates taken per rollout, mean over steps (NaN for runs that predate the metric).</param>
/// <param name="EarlyStopped">Rollouts whose updates target-KL early stopping ended.</param>
public sealed record PpoHealth(int Steps, double MedianApproxKl, double MaxApproxKl, double MedianClipFraction,
    IReadOnlyList<int> StepsAboveRange, double MeanUpdates, int EarlyStopped)
{
    /// <summary>
    /// Highest median per-step approxkl of a stable stage: 0.05, the bound the world's PPO is held to (PPO is normally
    /// run near 0.01–0.02; the world's PPO at 3e-4 without early stopping made 0.12–0.27).
    /// </summary>
    public const double StableApproxKl = 0.05;

    /// <summary>Highest median per-step clip fraction of a stable stage: 0.2, the clip range ε itself (past it most updates are clipped).</summary>
    public const double StableClipFraction = 0.2;

    public bool Stable => MedianApproxKl <= StableApproxKl && MedianClipFraction <= StableClipFraction;

    /// <summary>Metric keys read (TRL's names; <see cref="PpoStep"/>).</summary>
    public const string ApproxKlKey = "policy/approxkl_avg", ClipFractionKey = "policy/clipfrac_avg";

    /// <summary>The health of a run's per-step metrics; null when they hold no PPO step (another algorithm).</summary>
    public static PpoHealth? From(IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> history)
    {
        var ppo = history.Where(h => h.Metrics.ContainsKey(ApproxKlKey) && h.Metrics.ContainsKey(ClipFractionKey)).ToList();
        if (ppo.Count == 0) return null;
        var kl = ppo.Select(h => h.Metrics[ApproxKlKey]).ToList();
        var updates = ppo.Where(h => h.Metrics.ContainsKey(PpoStep.UpdatesMetric)).Select(h => h.Metrics[PpoStep.UpdatesMetric]).ToList();
        return new PpoHealth(ppo.Count, Median(kl), kl.Max(), Median(ppo.Select(h => h.Metrics[ClipFractionKey])),
            ppo.Where(h => !(h.Metrics[ApproxKlKey] <= StableApproxKl)).Select(h => h.Step).ToList(),
            updates.Count == 0 ? double.NaN : updates.Average(),
            ppo.Count(h => h.Metrics.GetValueOrDefault(PpoStep.EarlyStoppedMetric) > 0));
    }

    /// <summary>The health of a stage folder's metrics.jsonl; null when the file is missing or holds no PPO step.</summary>
    public static PpoHealth? FromStageDirectory(string stageDirectory)
    {
        var path = Path.Combine(stageDirectory, "metrics.jsonl");
        return File.Exists(path) ? From(ReadMetrics(path)) : null;
    }

    /// <summary>
    /// metrics.jsonl's rows: <c>step</c> and every numeric field (non-finite values are written as strings, "NaN").
    /// A row that is not a JSON object with an integer step is a <see cref="DataFormatException"/> naming file and row.
    /// </summary>
    public static IReadOnlyList<(int Step, IReadOnlyDictionary<string, double> Metrics)> ReadMetrics(string path)
    {
        var rows = new List<(int, IReadOnlyDictionary<string, double>)>();
        long row = 0;
        foreach (var line in File.ReadLines(path))
        {
            row++;
            if (line.Trim().Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var metrics = new Dictionary<string, double>();
                int? step = null;
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Name == "step") { step = p.Value.GetInt32(); continue; }
                    if (p.Value.ValueKind == JsonValueKind.Number) metrics[p.Name] = p.Value.GetDouble();
                    else if (p.Value.ValueKind == JsonValueKind.String && double.TryParse(p.Value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) metrics[p.Name] = v;
                    else throw new DataFormatException(path, row, p.Name, $"not a number: {p.Value.GetRawText()}");
                }
                rows.Add((step ?? throw new DataFormatException(path, row, "step", "missing"), metrics));
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new DataFormatException(path, row, null, "not a metrics row (a JSON object with an integer step): " + e.Message, e);
            }
        }
        return rows;
    }

    /// <summary>
    /// One sentence: the medians, early stopping, and whether the stage stayed in the stable range — or, when it left
    /// it, by how much and at which steps.
    /// </summary>
    public string Sentence
    {
        get
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"PPO optimisation: median approxkl {MedianApproxKl:0.000} (max {MaxApproxKl:0.000}), median clip fraction {MedianClipFraction:0.00}");
            if (!double.IsNaN(MeanUpdates))
                text += string.Create(CultureInfo.InvariantCulture, $", {MeanUpdates:0.0} updates per rollout ({EarlyStopped} of {Steps} rollouts stopped early by target KL)");
            var range = string.Create(CultureInfo.InvariantCulture, $"approxkl ≤ {StableApproxKl:0.00}, clip fraction ≤ {StableClipFraction:0.0}");
            if (Stable)
                return text + $"; within the stable range ({range})" +
                    (StepsAboveRange.Count == 0 ? "." : $", though approxkl passed {StableApproxKl.ToString(CultureInfo.InvariantCulture)} at {StepList(StepsAboveRange)}.");
            return text + $". OUTSIDE the stable range ({range}): approxkl above {StableApproxKl.ToString(CultureInfo.InvariantCulture)} at {StepList(StepsAboveRange)} of {Steps}" +
                " — the policy moved too far per update for the clipped objective to hold; lower the learning rate or target_kl.";
        }
    }

    private static string StepList(IReadOnlyList<int> steps) => steps.Count switch
    {
        0 => "no step",
        1 => $"step {steps[0]}",
        <= 8 => "steps " + string.Join(", ", steps),
        _ => $"{steps.Count} steps (first {string.Join(", ", steps.Take(5))}, …)",
    };

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToList();
        return v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }
}
