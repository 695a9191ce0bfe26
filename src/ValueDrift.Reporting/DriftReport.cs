using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Reporting;

/// <summary>Settings of <see cref="DriftReport.FromTrace"/>.</summary>
public sealed record DriftReportOptions
{
    public DriftTableOptions Table { get; init; } = new();
    public HtmlReportOptions Html { get; init; } = new();
    /// <summary>File name of the page written beside the trace.</summary>
    public string HtmlFileName { get; init; } = "report.html";
    /// <summary>File name of the drift table's JSON written beside the trace.</summary>
    public string JsonFileName { get; init; } = "drift-table.json";
    /// <summary>Value gaps of the preference data used, drawn as bars when given.</summary>
    public IReadOnlyList<ValueGap>? ValueGaps { get; init; }
    /// <summary>
    /// Which checkpoint each phase started from, so the charts draw phases from there; <see cref="FromTrace"/> reads it
    /// from the stage folders beside the trace when this is null and the trace sits in a run folder.
    /// </summary>
    public PhaseStarts? Starts { get; init; }
    /// <summary>
    /// The run folder the trace belongs to, whose PPO stage folders' reward-model audits the report shows;
    /// <see cref="DriftReport.FromTrace"/> sets it when this is null and the trace sits in a run folder.
    /// </summary>
    public Experiments.RunDirectory? Run { get; init; }
    /// <summary>Also draw the stacked-share chart of each topic.</summary>
    public bool StackedShares { get; init; } = true;
}

/// <summary>
/// The drift report of a run: the trajectory read from its trace, the drift table, and the files written beside the
/// trace (an HTML page of charts and tables, the table as JSON). The entry point for the command line.
/// </summary>
public sealed record DriftReport(Trajectory Trajectory, DriftTable Table, string HtmlPath, string JsonPath, int TornLinesIgnored)
{
    /// <summary>
    /// Reads <paramref name="tracePath"/>, computes the drift table, and writes <c>report.html</c> and
    /// <c>drift-table.json</c> (names configurable) in the trace's folder.
    /// </summary>
    public static DriftReport FromTrace(string tracePath, DriftReportOptions? options = null)
    {
        options ??= new DriftReportOptions();
        var contents = TraceReader.Read(tracePath);
        var trajectory = new Trajectory(contents.Records);
        var table = DriftTable.From(trajectory, options.Table);
        var dir = Path.GetDirectoryName(Path.GetFullPath(tracePath))!;
        if (Directory.Exists(Path.Combine(dir, "stages")))
        {
            var run = options.Run ?? new Experiments.RunDirectory(dir);
            options = options with { Starts = options.Starts ?? PhaseStarts.FromRun(run), Run = run };
        }
        var html = Path.Combine(dir, options.HtmlFileName);
        var json = Path.Combine(dir, options.JsonFileName);

        var tmp = json + ".valuedrift-tmp";
        File.WriteAllText(tmp, table.ToJson());
        File.Move(tmp, json, overwrite: true);
        Build(trajectory, table, Path.GetFileName(tracePath), contents.TornLinesIgnored, options).Save(html, options.Html);
        return new DriftReport(trajectory, table, html, json, contents.TornLinesIgnored);
    }

    /// <summary>The report page for a trajectory and its table (not yet saved).</summary>
    public static HtmlReport Build(Trajectory trajectory, DriftTable table, string source, int tornLines = 0, DriftReportOptions? options = null)
    {
        options ??= new DriftReportOptions();
        var report = new HtmlReport("Value drift report");
        report.AddParagraph($"Source: {source}. Phases: {string.Join(" → ", trajectory.Phases)}. Topics: {trajectory.Topics.Count}." +
                            (tornLines > 0 ? $" {tornLines} torn last line ignored." : ""));
        report.AddParagraph("Drift magnitude M = p(end) − p(start) of each phase; drift time = fraction of the phase's steps until " +
                            "the probability enters the 95% confidence band of its extreme value (n/a for a single-point phase).");
        report.AddHeading("Drift magnitude by topic and phase");
        foreach (var s in StanceLabels.All) report.AddFigure(DriftCharts.MagnitudeHeatmap(table, s));
        AddHealth(report, trajectory, table);
        if (options.Run is { } run) RewardAuditTable.AddSection(report, run, trajectory.Phases);
        if (options.ValueGaps is { Count: > 0 } gaps)
        {
            report.AddHeading("Value gap of the preference data");
            report.AddFigure(DriftCharts.ValueGapBars(gaps));
        }
        report.AddHeading("Stance probability over training");
        foreach (var topic in trajectory.Topics)
        {
            report.AddFigure(DriftCharts.StanceOverSteps(trajectory, topic, seed: options.Table.Seed, starts: options.Starts));
            if (options.StackedShares) report.AddFigure(DriftCharts.StackedShares(trajectory, topic, options.Starts));
        }
        report.AddHeading("Drift table");
        report.AddDriftTable(table);
        return report;
    }

    /// <summary>
    /// Answer health and divergence (generation-probe traces only): a warning per measure that moved beyond its
    /// <see cref="HealthTolerance"/> in a phase, the health table, and drift against divergence. Nothing for a trace
    /// without them (older traces, the likelihood probe).
    /// </summary>
    public static void AddHealth(HtmlReport report, Trajectory trajectory, DriftTable table)
    {
        var rows = HealthTable.Rows(trajectory);
        if (rows.Count == 0) return;
        report.AddHeading("Answer health and divergence from the start");
        report.AddParagraph("Unstanced: share of judged answers on no stance; mixed: share stating more than one stance; mean answer tokens; " +
                            "ended: share that emitted a stop token; KL from start: KL(π_θ ‖ π_start) between the tempered policies the probe samples, " +
                            "in nats per answer, on the probe's own answers (docs/drift-metrics.md). The drift table's stanced M is the drift among " +
                            "stance-taking answers; the paper's number is the all-answer M.");
        foreach (var w in HealthTolerance.Check(trajectory))
            report.AddParagraph("Warning: " + w + ": part of this phase's drift may be degeneration of the answers rather than a change of values; read the stanced M beside M.");
        report.AddTable(HealthTable.Headers, rows);
        if (DivergenceCharts.DriftAgainstDivergence(table, trajectory) is { } chart) report.AddFigure(chart);
    }
}
