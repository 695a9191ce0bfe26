using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Attribution;
using ValueDrift.Reporting;
using ValueDrift.World;

namespace ValueDrift.Interactive;

/// <summary>One row of an attribution's top examples: rank (1 = pushed hardest toward the stance), example index in the stage's data, score, the stance and topic the world generated it with (null for real data or instruction rows), and its text.</summary>
public sealed record AttributedExample(int Rank, int Index, double Score, string? StanceLabel, string? TopicLabel, string Text);

/// <summary>
/// A stage's attribution for a notebook (<see cref="SessionAttribution.Attribute(WorldSession, StageChange, string, string, int, AttributionOptions?, World.WorldProbeSplit)"/>):
/// the top examples with their text, precision@K where the world knows each example's stance, and the ablation once
/// <see cref="SessionAttribution.Ablate"/> has run. Displays as the stage's stance chart for the topic beside the
/// table of top examples; <see cref="ToFrame"/> gives the rows as a Deedle frame.
/// </summary>
public sealed record AttributionView(
    StageChange Stage,
    AttributionResult Attribution,
    IReadOnlyList<AttributedExample> Top,
    TopKPrecision? Precision,
    TopKPrecision? OnTopicPrecision,
    AblationResult? Ablation)
{
    /// <summary>The words the stance score and the ablation read (<see cref="WorldAttribution.DefaultSplit"/> unless the attribution asked otherwise).</summary>
    public ValueDrift.World.WorldProbeSplit ProbeSplit { get; init; } = WorldAttribution.DefaultSplit;

    /// <summary>The top <paramref name="k"/> of <paramref name="attribution"/> as rows, labelled where <paramref name="labels"/> are known.</summary>
    public static IReadOnlyList<AttributedExample> Rows(AttributionResult attribution, int k, IReadOnlyList<ExampleLabel>? labels) =>
        attribution.Top(k).Select((i, r) => new AttributedExample(r + 1, i, attribution.Scores[i], labels?[i].Stance, labels?[i].Topic, attribution.Texts[i])).ToList();

    /// <summary>The top examples as a Deedle frame (rows by rank; columns Rank, Index, Score, StanceLabel, TopicLabel, Text).</summary>
    public Deedle.Frame<int, string> ToFrame() => Deedle.Frame.FromRecords(Top);

    /// <summary>One line: what was attributed, how, in how long, and precision@K.</summary>
    public string Summary
    {
        get
        {
            var a = Attribution;
            var c = CultureInfo.InvariantCulture;
            var text = string.Create(c, $"{a.Stage} ({a.Algorithm}): the {Top.Count} of {a.Scores.Count} examples that pushed {a.Topic} hardest toward {a.Stance} ({a.Method} on the likelihood probe's stance score in {ProbeSplit.Name()} words; gradients of {a.Restriction}; {a.Projection}; checkpoints at steps {string.Join(", ", a.Checkpoints.Select(x => x.Step))}; {a.Elapsed.TotalSeconds:0} s).");
            if (Precision is { } p)
                text += string.Create(c, $" {p.Matching} of the top {p.K} are '{p.Stance}' examples (precision {p.Precision:0.00}, base rate {p.BaseRate:0.00})")
                    + (OnTopicPrecision is { } o ? string.Create(c, $"; counting {a.Topic} only: {o.Precision:0.00} (base rate {o.BaseRate:0.00}).") : ".");
            return text;
        }
    }

    /// <summary>The ablation in one line, or null before it ran.</summary>
    public string? AblationSummary
    {
        get
        {
            if (Ablation is not { } ab) return null;
            var c = CultureInfo.InvariantCulture;
            string E(Drift.SeedEstimate e) => e.Interval is { } i
                ? string.Create(c, $"{e.Mean:+0.000;-0.000;0.000} [{i.Lower:+0.000;-0.000;0.000}, {i.Upper:+0.000;-0.000;0.000}]")
                : string.Create(c, $"{e.Mean:+0.000;-0.000;0.000}");
            var verdict = ab.TopBeatsRandom ? $"the interval of top cut − random cut across seeds, {E(ab.TopMinusRandom)}, lies above 0"
                : $"top cut − random cut across seeds is {E(ab.TopMinusRandom)}: not above 0" + (ab.Seeds < 2 ? " (one seed gives no interval)" : "");
            var caveat = ab.FullDriftExcludesZero ? "" : "; but the full stage's drift is not told apart from zero across seeds, so there is no drift to undo and this is noise";
            return string.Create(c, $"Ablation ({ab.Removed} of {ab.Examples} examples removed, {ab.Seeds} seeds; M = p_{Attribution.Stance}(end) − p_{Attribution.Stance}(start) on {Attribution.Topic}, likelihood probe in {ProbeSplit.Name()} words): full {E(ab.FullMagnitude)}, without the top {E(ab.TopRemovedMagnitude)}, without random {E(ab.RandomRemovedMagnitude)}. |M| cut: top {ab.TopCut:+0.0000;-0.0000;0.0000}, random {ab.RandomCut:+0.0000;-0.0000;0.0000}: {verdict}{caveat}.");
        }
    }

    public override string ToString() => AblationSummary is { } s ? Summary + "\n" + s : Summary;

    /// <summary>
    /// The notebook output: the summary, then side by side the stage's stance chart for the topic (generation probe, the
    /// paper's measurement, with its bands) and the top examples with their text, then the ablation line.
    /// </summary>
    public string ToHtml(NotebookOptions options)
    {
        var e = (Func<string?, string>)(s => WebUtility.HtmlEncode(s ?? ""));
        var sb = new StringBuilder("<div class=\"valuedrift-attribution\">");
        sb.Append("<p>").Append(e(Summary)).Append("</p>\n");
        sb.Append("<div style=\"display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start\">");
        if (Stage.Trajectory.Topics.Contains(Attribution.Topic))
        {
            var figure = DriftCharts.StanceOverSteps(Stage.Trajectory, Attribution.Topic, bands: true);
            sb.Append("<div style=\"flex:1 1 420px;min-width:360px\">")
              .Append(ChartHtml.Render(new PlotlyFigure($"{figure.Title} (generation probe)", figure.Traces, figure.Layout) { Height = 360 }, options.StandaloneCharts))
              .Append("</div>");
        }
        const string Cell = "border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top";
        sb.Append("<div style=\"flex:1 1 480px;min-width:360px\"><table class=\"valuedrift-table\" style=\"border-collapse:collapse;font-size:0.85em\">")
          .Append(string.Create(CultureInfo.InvariantCulture, $"<caption style=\"text-align:left;font-weight:bold\">Top {Top.Count} examples toward {e(Attribution.Stance)} on {e(Attribution.Topic)}</caption>"))
          .Append($"<tr><th style=\"{Cell}\">rank</th><th style=\"{Cell}\">example</th><th style=\"{Cell}\">score</th><th style=\"{Cell}\">stance</th><th style=\"{Cell}\">topic</th><th style=\"{Cell}\">text</th></tr>\n");
        foreach (var r in Top)
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"<tr><td style=\"{Cell}\">{r.Rank}</td><td style=\"{Cell}\">#{r.Index}</td><td style=\"{Cell}\">{r.Score:0.000E+0}</td><td style=\"{Cell}\">{e(r.StanceLabel)}</td><td style=\"{Cell}\">{e(r.TopicLabel)}</td><td style=\"{Cell}\">{e(r.Text)}</td></tr>\n"));
        sb.Append("</table></div></div>\n");
        if (AblationSummary is { } ablation) sb.Append("<p>").Append(e(ablation)).Append("</p>\n");
        sb.Append("</div>\n");
        return sb.ToString();
    }

    /// <summary>Registers the view's HTML and text formatters (again: replaces them). <see cref="SessionAttribution"/> calls it on first use.</summary>
    public static void RegisterFormatters()
    {
        Formatter.Register<AttributionView>((v, w) => w.Write(v.ToHtml(Notebook.Options)), "text/html");
        Formatter.Register<AttributionView>((v, w) => w.Write(v.ToString()), "text/plain");
    }
}
