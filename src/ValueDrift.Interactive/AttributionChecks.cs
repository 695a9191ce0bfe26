using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Formatting;
using ValueDrift.Errors;
using ValueDrift.Reporting;
using XPlot.Plotly;

namespace ValueDrift.Interactive;

/// <summary>One ablation as <c>valuedrift attribute … --ablate F --format json</c> wrote it: M (mean, 95% interval across seeds) per arm.</summary>
public sealed record AttributionCheck(
    string Stage, string Topic, string Stance, string ProbeSplit, int Seeds, int Removed,
    (double Mean, double Lower, double Upper) Full, (double Mean, double Lower, double Upper) TopRemoved, (double Mean, double Lower, double Upper) RandomRemoved,
    double TopCut, double RandomCut, bool TopCutsTwiceRandom, bool FullDriftExcludesZero,
    int? K, double? Precision, double? BaseRate)
{
    /// <summary>"yes", "no", or "yes, but the full drift's interval includes 0" (then there is no drift to undo).</summary>
    public string Verdict => !TopCutsTwiceRandom ? "no" : FullDriftExcludesZero ? "yes" : "yes, but the full drift's interval includes 0";
}

/// <summary>
/// The ablation checks of several attribution runs side by side: which stages' top-attributed examples carry the
/// drift. Reads the result files of <c>valuedrift attribute</c> (one JSON per stage, topic and stance) and shows a
/// chart of M for the full stage, without the top fraction and without a random fraction, with intervals across
/// seeds, above a table with the verdict and precision@K.
/// </summary>
public sealed record AttributionChecks(IReadOnlyList<AttributionCheck> Checks)
{
    /// <summary>Every <c>*.json</c> of <paramref name="folder"/> that holds an ablation, in file-name order.</summary>
    public static AttributionChecks Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new ConfigException(folder, "folder", "no such folder of attribution results");
        var checks = new List<AttributionCheck>();
        foreach (var file in Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            JsonNode root;
            try { root = JsonNode.Parse(File.ReadAllText(file)) ?? throw new DataFormatException(file, 1, "(root)", "empty"); }
            catch (JsonException e) { throw new DataFormatException(file, 1, "(root)", "not JSON: " + e.Message); }
            if (root["ablation"] is not JsonObject ab) continue;
            string Str(JsonNode? n, string field) => n?[field]?.GetValueKind() == JsonValueKind.String ? (string)n[field]! : throw new DataFormatException(file, 1, field, "missing or not a string");
            double Num(JsonNode? n, string field) => n?[field]?.GetValueKind() == JsonValueKind.Number ? (double)n[field]! : throw new DataFormatException(file, 1, field, "missing or not a number");
            bool Flag(string field) => ab[field]?.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? (bool)ab[field]! : throw new DataFormatException(file, 1, "ablation." + field, "missing or not true/false");
            (double, double, double) Estimate(string field)
            {
                var e = ab[field] as JsonObject ?? throw new DataFormatException(file, 1, "ablation." + field, "missing");
                return e["interval"] is JsonArray { Count: 2 } interval && interval.All(b => b?.GetValueKind() == JsonValueKind.Number)
                    ? (Num(e, "mean"), (double)interval[0]!, (double)interval[1]!)
                    : throw new DataFormatException(file, 1, $"ablation.{field}.interval", "needs two numbers (an ablation over at least two seeds)");
            }
            var p = root["precision_at_k"];
            checks.Add(new AttributionCheck(Str(root, "stage"), Str(root, "topic"), Str(root, "stance"), Str(root, "probe_split"),
                (int)Num(ab, "seeds"), (int)Num(ab, "removed"),
                Estimate("full_magnitude"), Estimate("top_removed_magnitude"), Estimate("random_removed_magnitude"),
                Num(ab, "top_cut"), Num(ab, "random_cut"), Flag("top_cuts_twice_random"), Flag("full_drift_excludes_zero"),
                p is null ? null : (int)Num(p, "k"), p is null ? null : Num(p, "precision"), p is null ? null : Num(p, "base_rate")));
        }
        return new AttributionChecks(checks);
    }

    /// <summary>Per stage, three bars (full, without the top, without random) of M with 95% intervals across seeds.</summary>
    public PlotlyFigure Chart()
    {
        var labels = Checks.Select(c => $"{c.Stage}<br>{c.Topic} {c.Stance}").ToArray();
        Trace Arm(string name, string color, Func<AttributionCheck, (double Mean, double Lower, double Upper)> pick) => new Bar
        {
            x = labels, name = name, marker = new Marker { color = color },
            y = Checks.Select(c => pick(c).Mean).ToArray(),
            error_y = new Error_y
            {
                type = "data", symmetric = false, visible = true,
                array = Checks.Select(c => pick(c).Upper - pick(c).Mean).ToArray(),
                arrayminus = Checks.Select(c => pick(c).Mean - pick(c).Lower).ToArray(),
            },
        };
        var layout = new PlotlyLayout
        {
            barmode = "group",
            yaxis = new Yaxis { title = "M = p(end) − p(start), likelihood probe", zeroline = true },
        }.AutoMargin("xaxis", "yaxis");
        return new PlotlyFigure("Drift with and without the top-attributed 10% (95% intervals across seeds)",
            [Arm("full stage", "#4c72b0", c => c.Full), Arm("without the top", "#c44e52", c => c.TopRemoved), Arm("without random", "#8c8c8c", c => c.RandomRemoved)],
            layout) { Height = 420 };
    }

    /// <summary>The chart, then a table: M of each arm, the |M| cuts, the verdict and precision@K against the base rate.</summary>
    public string ToHtml(NotebookOptions options)
    {
        var c = CultureInfo.InvariantCulture;
        string E((double Mean, double Lower, double Upper) e) => string.Create(c, $"{DriftReading.Signed3(e.Mean)} [{DriftReading.Signed3(e.Lower)}, {DriftReading.Signed3(e.Upper)}]");
        const string Cell = "border:1px solid #ccc;padding:2px 6px;text-align:left";
        var sb = new StringBuilder(ChartHtml.Render(Chart(), options.StandaloneCharts));
        sb.Append("<table class=\"valuedrift-table\" style=\"border-collapse:collapse;font-size:0.85em\"><tr>");
        foreach (var h in new[] { "stage", "topic, stance", "words", "seeds", "M full", "M without top", "M without random", "|M| cut: top vs random", "top cuts ≥ 2× random", "precision@K (base rate)" })
            sb.Append($"<th style=\"{Cell}\">").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        sb.Append("</tr>\n");
        foreach (var k in Checks)
        {
            var cells = new[]
            {
                k.Stage, $"{k.Topic}, {k.Stance}", k.ProbeSplit, k.Seeds.ToString(c), E(k.Full), E(k.TopRemoved), E(k.RandomRemoved),
                string.Create(c, $"{k.TopCut:+0.0000;-0.0000;0.0000} vs {k.RandomCut:+0.0000;-0.0000;0.0000}"), k.Verdict,
                k.Precision is { } p ? string.Create(c, $"{p:0.00} ({k.BaseRate:0.00}) at K = {k.K}") : "",
            };
            sb.Append("<tr>");
            foreach (var v in cells) sb.Append($"<td style=\"{Cell}\">").Append(WebUtility.HtmlEncode(v)).Append("</td>");
            sb.Append("</tr>\n");
        }
        return sb.Append("</table>").ToString();
    }

    /// <summary>One line per check (the plain-text display).</summary>
    public override string ToString() => string.Join("\n", Checks.Select(k => string.Create(CultureInfo.InvariantCulture,
        $"{k.Stage}, {k.Topic} {k.Stance} ({k.ProbeSplit} words, {k.Seeds} seeds): M full {DriftReading.Signed3(k.Full.Mean)}, without top {DriftReading.Signed3(k.TopRemoved.Mean)}, without random {DriftReading.Signed3(k.RandomRemoved.Mean)}; top cuts ≥ 2× random: {k.Verdict}")));

    /// <summary>Registers the HTML and text displays (<see cref="Notebook.RegisterFormatters"/> calls it).</summary>
    public static void RegisterFormatters()
    {
        Formatter.Register<AttributionChecks>((v, w) => w.Write(v.ToHtml(Notebook.Options)), "text/html");
        Formatter.Register<AttributionChecks>((v, w) => w.Write(v.ToString()), "text/plain");
    }
}
