using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Reporting;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// <c>valuedrift drift --trace FILE [--format text|json]</c>: drift magnitude and drift time of every phase × topic ×
/// stance of a trace (<see cref="DriftReport.FromTrace"/>). JSON prints a list of
/// <c>{"phase","topic","stance","magnitude","magnitude_ci","magnitude_ci_note","extremum_step","drift_time","drift_time_note",
/// "magnitude_stanced","magnitude_stanced_ci","magnitude_stanced_ci_note"}</c>
/// (drift_time null, with a note, for a one-point phase or a magnitude whose interval contains 0 — text prints "n/a"
/// and "none"; magnitude_ci null, with a note, where no interval can be computed; magnitude_stanced is M among
/// stance-taking answers, null where the trace has no stanced detail). The drift time is timed to extremum_step, the
/// magnitude to the phase's end. The chart
/// page and the full table are written beside the trace under its name (<c>runs/a.jsonl</c> →
/// <c>runs/a.report.html</c>, <c>runs/a.drift-table.json</c>), so two traces in one folder keep their own reports.
/// Checkpoints with answers the judge left unjudged are listed on stderr.
/// </summary>
public sealed class DriftCommand : ICliCommand
{
    public Command Build(CliIO io)
    {
        var trace = new Option<string>("--trace") { Description = "trace.jsonl", Required = true };
        var format = new Option<string>("--format") { Description = "text | json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var cmd = new Command("drift", "Drift magnitude and drift time per phase, topic and stance; writes the chart page beside the trace.") { trace, format };
        cmd.SetAction(r =>
        {
            var path = r.GetValue(trace)!;
            var report = DriftReport.FromTrace(path, ReportOptions(path));
            var rows = report.Table.Rows;
            io.Out.Write(r.GetValue(format) == "json" ? ToJson(rows) : ToTable(rows));
            if (report.TornLinesIgnored > 0) io.Err.WriteLine($"note: {report.TornLinesIgnored} torn last line ignored");
            var contents = TraceReader.Read(path);
            if (contents.DuplicatesIgnored > 0)
                io.Err.WriteLine($"warning: {contents.DuplicatesIgnored} duplicate record(s) of one phase, step and topic ignored (a resumed run measured them twice); the last of each is used");
            // Answers the judge left without a reading are not in the numbers: say where, per checkpoint.
            foreach (var g in contents.Records.Where(x => x.Unjudged > 0).GroupBy(x => (x.Phase, x.Step)))
                io.Err.WriteLine($"note: {g.Key.Phase} step {g.Key.Step}: {g.Sum(x => x.Unjudged)} answer(s) unjudged ({string.Join(", ", g.Select(x => $"{x.Topic} {x.Unjudged}"))})");
            io.Err.WriteLine($"report: {report.HtmlPath}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Report file names derived from the trace's: <c>NAME.report.html</c> and <c>NAME.drift-table.json</c>.</summary>
    public static DriftReportOptions ReportOptions(string tracePath)
    {
        var name = Path.GetFileNameWithoutExtension(tracePath);
        return new DriftReportOptions { HtmlFileName = name + ".report.html", JsonFileName = name + ".drift-table.json" };
    }

    /// <summary>One row of the JSON output.</summary>
    public sealed record DriftJson(
        [property: JsonPropertyName("phase")] string Phase,
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("stance")] string Stance,
        [property: JsonPropertyName("magnitude")] double Magnitude,
        [property: JsonPropertyName("magnitude_ci")] double[]? MagnitudeCi,
        [property: JsonPropertyName("magnitude_ci_note")] string? MagnitudeCiNote,
        [property: JsonPropertyName("extremum_step")] int ExtremumStep,
        [property: JsonPropertyName("drift_time")] double? DriftTime,
        [property: JsonPropertyName("drift_time_note")] string? DriftTimeNote,
        [property: JsonPropertyName("magnitude_stanced")] double? MagnitudeStanced,
        [property: JsonPropertyName("magnitude_stanced_ci")] double[]? MagnitudeStancedCi,
        [property: JsonPropertyName("magnitude_stanced_ci_note")] string? MagnitudeStancedCiNote);

    private static string ToJson(IReadOnlyList<DriftRow> rows) => JsonSerializer.Serialize(
        rows.Select(DriftTable.ToJson).Select(r => new DriftJson(r.Phase, r.Topic, r.Stance, r.Magnitude, r.MagnitudeCi, r.MagnitudeCiNote, r.ExtremumStep, r.DriftTime, r.DriftTimeNote,
            r.MagnitudeStanced, r.MagnitudeStancedCi, r.MagnitudeStancedCiNote)).ToList(),
        new JsonSerializerOptions { WriteIndented = true }) + "\n";

    private static string ToTable(IReadOnlyList<DriftRow> rows)
    {
        var pw = Math.Max(5, rows.Select(r => r.Phase.Length).DefaultIfEmpty(0).Max());
        var tw = Math.Max(5, rows.Select(r => r.Topic.Length).DefaultIfEmpty(0).Max());
        var sb = new StringBuilder();
        sb.AppendLine($"{"phase".PadRight(pw)}  {"topic".PadRight(tw)}  stance   magnitude  {"95% CI",-16}  extremum  drift time  stanced M");
        foreach (var r in rows)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Phase.PadRight(pw)}  {r.Topic.PadRight(tw)}  {r.Stance.Label(),-7}  {r.Magnitude,9:+0.000;-0.000;0.000}  {r.MagnitudeCi?.Interval?.ToString() ?? "n/a",-16}  {r.ExtremeStep,8}  {r.DriftTimeText(),10}  {(r.MagnitudeStanced is { } m ? m.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "n/a"),9}"));
        return sb.ToString();
    }
}
