using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using ValueDrift.Drift;
using ValueDrift.Models;
using ValueDrift.Reporting;

namespace ValueDrift.Interactive;

/// <summary>
/// The one call every notebook starts with, after referencing this assembly:
/// <code>
/// #r "../artifacts/notebook/ValueDrift.Interactive.dll"
/// ValueDrift.Interactive.Notebook.Setup()
/// </code>
/// It makes the F# dependencies loadable in the kernel, loads LibTorch's natives from the notebook folder, initialises
/// TorchSharp, registers HTML formatters for the project's values, and returns a summary whose output also loads
/// plotly.js for the notebook's charts.
/// </summary>
public static class Notebook
{
    private static readonly object Gate = new();
    private static NotebookSetup? _setup;

    /// <summary>Settings used when values are formatted.</summary>
    public static NotebookOptions Options { get; set; } = new();

    /// <summary>
    /// Prepares the kernel (idempotent: a second call only applies <paramref name="options"/> and returns the summary again).
    /// </summary>
    public static NotebookSetup Setup(NotebookOptions? options = null)
    {
        // Before anything touches Deedle or XPlot (both F#): their FSharp.Core 10.1 reference must resolve.
        FSharpCoreRedirect.Install();
        if (options is not null) Options = options;
        lock (Gate)
        {
            _setup = Initialise(Options);
            return _setup;
        }
    }

    /// <summary>The summary of the last <see cref="Setup"/>, or null before it ran.</summary>
    public static NotebookSetup? Current => _setup;

    // Kept out of Setup so that the JIT resolves the F#-dependent types only after the redirect is installed.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static NotebookSetup Initialise(NotebookOptions options)
    {
        TorchRuntime.BoundOpenMpSpinning();   // before the natives load: libgomp reads its environment once
        var natives = TorchNatives.Preload();
        TorchRuntime.EnsureInitialized();
        if (options.Threads is { } n and > 0) torch.set_num_threads(n);
        RegisterFormatters();
        var folder = TorchNatives.Folder;
        var shown = Path.GetRelativePath(Environment.CurrentDirectory, folder);
        var version = typeof(Trajectory).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? typeof(Trajectory).Assembly.GetName().Version?.ToString() ?? "?";
        return new NotebookSetup(version.Split('+')[0], TorchRuntime.Describe(), shown,
            natives.Select(Path.GetFileName).ToList()!, PlotlyJs.Version);
    }

    /// <summary>
    /// HTML formatters: a trajectory draws its stance charts, a drift table and a Deedle frame show as tables, a
    /// <see cref="PlotlyFigure"/> or XPlot chart draws offline. Registering again replaces the previous ones.
    /// </summary>
    public static void RegisterFormatters()
    {
        const string Html = "text/html";
        Formatter.Register<NotebookSetup>((s, w) => w.Write(s.ToHtml()), Html);
        Formatter.Register<NotebookSetup>((s, w) => w.Write(s.ToString()), "text/plain");
        Formatter.Register<Trajectory>((t, w) => w.Write(TrajectoryHtml(t, Options)), Html);
        Formatter.Register<DriftTable>((t, w) => w.Write(HtmlTables.DriftTable(t, Options.MaxTableRows)), Html);
        Formatter.Register<PlotlyFigure>((f, w) => w.Write(ChartHtml.Render(f, Options.StandaloneCharts)), Html);
        Formatter.Register<XPlot.Plotly.PlotlyChart>((c, w) => w.Write(ChartHtml.Render(ChartHtml.FromChart(c), Options.StandaloneCharts)), Html);
        Formatter.Register<StageChange>((c, w) => w.Write(StageChangeHtml(c, Options)), Html);
        Formatter.Register<StageChange>((c, w) => w.Write(c.Summary), "text/plain");
        Formatter.Register<WorldSession>((s, w) => w.Write(SessionHtml(s)), Html);
        Formatter.Register<ProgressView>((v, w) => w.Write(v.Html), Html);
        AttributionChecks.RegisterFormatters();
        // Open generic: every Frame<TRow, TColumn>, whatever its key types.
        Formatter.Register(typeof(Deedle.Frame<,>), (object f, TextWriter w) =>
            w.Write(HtmlTables.Frame(f, Options.MaxFrameRows, Options.MaxFrameColumns)), Html);
    }

    /// <summary>
    /// A stage's output: its summary, the table of the generation probe's changes with intervals and drift times, its
    /// answer health and KL from the start with any warning, the chart of stance change since the previous stage (Δp per topic and
    /// stance, generation probe, then the likelihood probe when traced), for PPO its optimisation per step, and the stage's stance lines per topic.
    /// </summary>
    public static string StageChangeHtml(StageChange change, NotebookOptions options)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("<div class=\"valuedrift-stage\"><p>").Append(System.Net.WebUtility.HtmlEncode(change.Summary)).Append("</p>\n");
        sb.Append(HtmlTables.StageReadings(change));
        sb.Append(HtmlTables.StageHealth(change));
        sb.Append(ChartHtml.Render(StageChangeCharts.ChangeBars(change.Changes, change.Phase, "generation probe", options.ChangeScale), options.StandaloneCharts));
        if (change.LikelihoodChanges is { } l)
            sb.Append(ChartHtml.Render(StageChangeCharts.ChangeBars(l, change.Phase, "likelihood probe", options.ChangeScale), options.StandaloneCharts));
        // PPO: its optimisation per step (approxkl against the stable range, clip fraction, entropy, KL, score, length, stop rate).
        foreach (var ppo in PpoCharts.PpoStages([change.Result]))
            sb.Append(ChartHtml.Render(PpoCharts.StepMetrics([ppo]), options.StandaloneCharts));
        // The lines of the probe that moved most: at notebook size the generation probe may read flat.
        var lines = change.LikelihoodTrajectory is { } lt && change.LikelihoodChanges is { } lc && Spread(lc) > Spread(change.Changes)
            ? (lt, "likelihood probe") : (change.Trajectory, "generation probe");
        foreach (var topic in lines.Item1.Topics.Take(options.MaxTopicCharts))
        {
            var figure = DriftCharts.StanceOverSteps(lines.Item1, topic, bands: lines.Item2 == "generation probe");
            sb.Append(ChartHtml.Render(new PlotlyFigure($"{figure.Title} ({lines.Item2})", figure.Traces, figure.Layout) { Height = 360 }, options.StandaloneCharts));
        }
        sb.Append("</div>\n");
        return sb.ToString();
    }

    private static double Spread(DriftTable t) => t.Rows.Count == 0 ? 0 : t.Rows.Max(r => Math.Abs(r.Magnitude));

    /// <summary>A session's output: its run folder, base model, topics and probes, and the base model's stances.</summary>
    public static string SessionHtml(WorldSession session)
    {
        var o = session.Options;
        var e = (Func<string, string>)System.Net.WebUtility.HtmlEncode;
        var sb = new System.Text.StringBuilder("<div class=\"valuedrift-session\">");
        sb.Append("<p>").Append(e(
            FormattableString.Invariant($"World {session.Profile.Version}, topics {string.Join(", ", session.Profile.Topics)}; run folder {session.Folder.Root}; base model {session.BaseModel}. ") +
            FormattableString.Invariant($"Generation probe: {o.ProbeSamples} answer(s) per question at temperature 0.7, {o.ProbeQuestionsPerTopic} questions per topic, at most {o.ProbeMaxNewTokens} new tokens") +
            (o.LikelihoodProbe ? "; likelihood probe on." : "."))).Append("</p>\n");
        sb.Append("<table class=\"valuedrift-table\" style=\"border-collapse:collapse\"><caption style=\"text-align:left;font-weight:bold\">The base model's stances</caption>");
        sb.Append("<tr><th>probe</th><th>topic</th><th>support</th><th>neutral</th><th>oppose</th></tr>\n");
        void Rows(string probe, Trajectory? t)
        {
            if (t is null) return;
            foreach (var r in t.Records().Where(r => r.Phase == Experiments.StagePlan.BasePhase))
                sb.Append(FormattableString.Invariant($"<tr><td>{e(probe)}</td><td>{e(r.Topic)}</td><td>{r.Value.Support:0.000}</td><td>{r.Value.Neutral:0.000}</td><td>{r.Value.Oppose:0.000}</td></tr>\n"));
        }
        Rows("generation", session.Trajectory());
        Rows("likelihood", session.LikelihoodTrajectory());
        sb.Append("</table></div>\n");
        return sb.ToString();
    }

    /// <summary>A trajectory's output: a line naming its phases and step ranges, then one stance chart per topic.</summary>
    public static string TrajectoryHtml(Trajectory trajectory, NotebookOptions options)
    {
        var phases = string.Join(" → ", trajectory.Phases.Select(p =>
        {
            var (first, last) = trajectory.StepRange(p);
            return $"{p} (steps {first}–{last})";
        }));
        var sb = new System.Text.StringBuilder();
        sb.Append("<div class=\"valuedrift-trajectory\"><p>")
          .Append(System.Net.WebUtility.HtmlEncode($"Trajectory: {phases}; {trajectory.Topics.Count} topics."));
        if (trajectory.Topics.Count > options.MaxTopicCharts)
            sb.Append(System.Net.WebUtility.HtmlEncode(
                $" Charts of the first {options.MaxTopicCharts}; draw others with DriftCharts.StanceOverSteps(trajectory, topic)."));
        sb.Append("</p>\n");
        foreach (var topic in trajectory.Topics.Take(options.MaxTopicCharts))
            sb.Append(ChartHtml.Render(DriftCharts.StanceOverSteps(trajectory, topic), options.StandaloneCharts));
        sb.Append("</div>\n");
        return sb.ToString();
    }
}
