using System.Globalization;
using System.Net;
using System.Text;
using ValueDrift.Drift;
using ValueDrift.Probes;

namespace ValueDrift.Interactive;

/// <summary>HTML tables for notebook outputs: the drift table and Deedle frames, cut to a number of rows.</summary>
public static class HtmlTables
{
    private const string Style = "border-collapse:collapse;font-size:0.9em";
    private const string Cell = "border:1px solid #ccc;padding:2px 8px";

    /// <summary>The drift table's first <paramref name="maxRows"/> rows: phase, topic, stance, start, end, extremum (step), magnitude, its 95% interval, drift time.</summary>
    public static string DriftTable(DriftTable table, int maxRows)
    {
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", CultureInfo.InvariantCulture);
        // The stanced columns appear when the trace records which answers took a stance.
        var stanced = table.Rows.Any(r => r.MagnitudeStanced is not null);
        var rows = table.Rows.Take(maxRows).Select(r =>
        {
            var row = new List<string>
            {
                r.Phase, r.Topic, r.Stance.Label(), F(r.Start), F(r.End), $"{F(r.Extreme)} ({r.ExtremeStep})",
                r.Magnitude.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture), r.MagnitudeCi?.Interval?.ToString() ?? "n/a",
                // A drift time to an extreme inside the noise says nothing; the interval says so instead.
                new DriftReading(r).WithinNoise ? "within noise" : r.DriftTimeCell(table.Endpoint),
            };
            if (stanced) row.AddRange([r.MagnitudeStanced?.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) ?? "n/a", r.MagnitudeStancedCi?.Interval?.ToString() ?? "n/a"]);
            return (IReadOnlyList<string>)row;
        });
        var header = new List<string> { "phase", "topic", "stance", "start", "end", "extremum (step)", "magnitude", "95% CI", "drift time" };
        if (stanced) header.AddRange(["stanced M", "stanced 95% CI"]);
        return Table($"Drift table: {table.Rows.Count} rows (phase × topic × stance){Shown(table.Rows.Count, maxRows)}", [header], rows);
    }

    /// <summary>
    /// A stage's answer health and divergence per topic (<see cref="Reporting.HealthTable"/>), after a warning line for
    /// each measure that moved beyond its <see cref="HealthTolerance"/>; empty for a trace without them.
    /// </summary>
    public static string StageHealth(StageChange change)
    {
        var rows = Reporting.HealthTable.Rows(change.Trajectory);
        if (rows.Count == 0) return "";
        var sb = new StringBuilder();
        foreach (var w in change.HealthWarnings)
            sb.Append("<p style=\"color:#b00020;margin:2px 0\">").Append(E("Warning: " + w + ": part of this drift may be degeneration; read Δp stanced beside Δp.")).Append("</p>\n");
        sb.Append(Table($"{change.Phase}: answer health (first → last step) and KL from the stage's start", [Reporting.HealthTable.Headers], rows));
        return sb.ToString();
    }

    /// <summary>
    /// A stage's changes per topic and stance: start → end and Δp of the generation probe with its 95% interval over
    /// questions and drift time (or "within noise"), and the likelihood probe's Δp beside it when traced.
    /// </summary>
    public static string StageReadings(StageChange change)
    {
        static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.00", CultureInfo.InvariantCulture);
        var likelihood = change.LikelihoodChanges is not null;
        var stanced = change.Changes.Rows.Any(r => r.MagnitudeStanced is not null);
        var rows = change.Readings.Select(x =>
        {
            var r = x.Row;
            var ci = r.MagnitudeCi?.Interval is { } i ? $"[{DriftReading.Signed(i.Lower)}, {DriftReading.Signed(i.Upper)}]" : "n/a";
            var time = x.WithinNoise ? "within noise" : x.Moved ? r.DriftTimeCell(change.Changes.Endpoint, "0.00") : "n/a";
            var row = new List<string> { r.Topic, r.Stance.Label(), $"{F(r.Start)} → {F(r.End)}", DriftReading.Signed(r.Magnitude), ci, time };
            if (stanced) row.Add(r.MagnitudeStanced is { } m ? DriftReading.Signed(m) + (r.MagnitudeStancedCi?.Interval is { } si ? $" [{DriftReading.Signed(si.Lower)}, {DriftReading.Signed(si.Upper)}]" : "") : "n/a");
            if (likelihood) row.Add(change.LikelihoodDelta(r.Topic, r.Stance) is var l && double.IsNaN(l) ? "n/a" : DriftReading.Signed(l));
            return (IReadOnlyList<string>)row;
        });
        var header = new List<string> { "topic", "stance", "p: start → end", "Δp", "95% interval", "drift time" };
        if (stanced) header.Add("Δp stanced [95%]");
        if (likelihood) header.Add("Δp (likelihood probe)");
        var questions = change.Changes.Rows.Select(r => r.MagnitudeCi?.Questions ?? 0).DefaultIfEmpty(0).Max();
        return Table($"{change.Phase}: generation probe, intervals over {questions} questions per topic", [header], rows);
    }

    /// <summary>
    /// A Deedle frame (any <c>Frame&lt;TRow, TColumn&gt;</c>): row keys, column keys, the column types, and the values of
    /// the first <paramref name="maxRows"/> rows and <paramref name="maxColumns"/> columns as Deedle formats them.
    /// </summary>
    public static string Frame(object frame, int maxRows, int maxColumns)
    {
        var type = frame.GetType();
        var info = frame as Deedle.Internal.IFrameFormattable
            ?? throw new ArgumentException($"{type} is not a Deedle frame", nameof(frame));
        var (rowCount, columnCount) = info.GetDimensions();
        var rowLevels = info.GetRowLevels();
        // Frame.FormatStrings(startCount, endCount, startColumnCount, endColumnCount, showInfo): the grid Deedle prints,
        // header rows (column keys, then "(type)" rows) followed by [row key..., "->", value...] rows.
        var format = type.GetMethod("FormatStrings", [typeof(int), typeof(int), typeof(int), typeof(int), typeof(bool)])
            ?? throw new InvalidOperationException($"{type} has no FormatStrings method (Deedle 8 expected)");
        var grid = (string[][])format.Invoke(frame, [maxRows, 0, maxColumns, 0, true])!;

        var headers = new List<IReadOnlyList<string>>();
        var body = new List<IReadOnlyList<string>>();
        foreach (var line in grid)
        {
            var isData = line.Length > rowLevels && line[rowLevels] == "->";
            var isGap = line.Length > 0 && line[0] == ":";
            if (isGap) continue;                                    // Deedle's "…" row for the cut-off part; the caption says it
            var cells = line.Where((_, i) => i != rowLevels).Select(ShortNumber).ToList();
            if (isData) body.Add(cells); else headers.Add(cells);
        }
        var caption = $"Frame: {rowCount} rows × {columnCount} columns{Shown(rowCount, maxRows)}" +
                      (columnCount > maxColumns ? $", first {maxColumns} columns" : "");
        return Table(caption, headers, body);
    }

    private static string Shown(int total, int max) => total > max ? $", first {max} shown" : "";

    // Deedle prints doubles with every digit; six significant digits keep a table readable.
    private static string ShortNumber(string text) =>
        text.Contains('.') && text.Length > 8 &&
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v.ToString("G6", CultureInfo.InvariantCulture) : text;

    private static string Table(string caption, IEnumerable<IReadOnlyList<string>> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append($"<table class=\"valuedrift-table\" style=\"{Style}\">\n<caption style=\"text-align:left;font-weight:bold\">{E(caption)}</caption>\n<thead>\n");
        foreach (var h in headers)
        {
            sb.Append("<tr>");
            foreach (var c in h) sb.Append($"<th style=\"{Cell};background:#f3f3f3\">{E(c)}</th>");
            sb.Append("</tr>\n");
        }
        sb.Append("</thead>\n<tbody>\n");
        foreach (var r in rows)
        {
            sb.Append("<tr>");
            foreach (var c in r) sb.Append($"<td style=\"{Cell}\">{E(c)}</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        return sb.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
