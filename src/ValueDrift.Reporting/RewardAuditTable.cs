using System.Globalization;
using ValueDrift.Experiments;
using ValueDrift.Probes;

namespace ValueDrift.Reporting;

/// <summary>
/// PPO stages' reward-model audits (<see cref="RewardAudit"/>, reward-audit.json in each stage folder) as report
/// rows: the mean score of held-out answers per stance with its interval over questions, the stance pairs the
/// reward model's training pairs compared, and the audit's warnings.
/// </summary>
public static class RewardAuditTable
{
    /// <summary>The table's header.</summary>
    public static readonly IReadOnlyList<string> Header =
        ["PPO stage", "support", "neutral", "oppose", "stances its pairs compared", "warnings"];

    /// <summary>One row per phase whose stage folder holds an audit; phases without one are left out.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Rows(RunDirectory run, IEnumerable<string> phases)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var phase in phases)
        {
            if (RewardAudit.Read(run.StageDirectory(phase)) is not { } a) continue;
            var row = new List<string> { phase };
            row.AddRange(StanceLabels.All.Select(s => a.ByStance.TryGetValue(s, out var m) ? Cell(m) : "n/a"));
            row.Add(a.Compared is null ? "unknown" : a.Compared.Count == 0 ? "none" : string.Join(", ", a.Compared.Select(p => $"{p.A.Label()}–{p.B.Label()}")));
            row.Add(a.Warnings.Count == 0 ? "none" : string.Join(" | ", a.Warnings));
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// The report's section on the reward-model audits of a run's PPO stages (nothing when no stage folder holds one):
    /// where each audit's answers came from, why the audit matters, and the table.
    /// </summary>
    public static void AddSection(HtmlReport report, RunDirectory run, IEnumerable<string> phases, string heading = "Reward-model audit before PPO")
    {
        var list = phases.ToList();
        var rows = Rows(run, list);
        if (rows.Count == 0) return;
        var sources = list.Select(p => RewardAudit.Read(run.StageDirectory(p))?.Source).OfType<string>().Distinct().ToList();
        report.AddHeading(heading);
        report.AddParagraph($"Mean reward-model score of answers of each stance ({string.Join("; ", sources)}; 95% interval over questions), from each PPO stage's reward-audit.json. " +
            "Bradley–Terry training constrains scores only within a pair: a preference between two stances its pairs never compared is unconstrained, and the held-out pair accuracy cannot see it.");
        report.AddTable(Header, rows);
    }

    /// <summary>"1.08 [0.95, 1.21]", or the mean alone without an interval.</summary>
    public static string Cell(RewardStanceMean m) => string.Create(CultureInfo.InvariantCulture,
        $"{m.Mean:0.00}") + (m.Interval is { } i ? string.Create(CultureInfo.InvariantCulture, $" [{i.Lower:0.00}, {i.Upper:0.00}]") : "");
}
