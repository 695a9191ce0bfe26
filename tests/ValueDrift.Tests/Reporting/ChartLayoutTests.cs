using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Tests.Drift;
using Xunit;

namespace ValueDrift.Tests.Reporting;

/// <summary>
/// The layout rules that keep chart labels readable: panels that do not overlap, automargin on every axis, short
/// horizontal tick labels; and where phases start (<see cref="PhaseStarts"/>), read from a run folder's stage manifests.
/// </summary>
public class ChartLayoutTests
{
    private static IEnumerable<(string Name, JsonObject Axis)> Axes(JsonNode layout, char kind) =>
        layout.AsObject().Where(kv => kv.Key.StartsWith(kind + "axis", StringComparison.Ordinal)).Select(kv => (kv.Key, kv.Value!.AsObject()));

    private static (double, double) Domain(JsonObject axis) => (axis["domain"]![0]!.GetValue<double>(), axis["domain"]![1]!.GetValue<double>());

    [Fact]
    [Trait("tier", "fast")]
    public void Phase_panels_do_not_overlap_and_every_axis_has_automargin()
    {
        // Seven phases: two rows of panels.
        var records = Enumerable.Range(0, 7).SelectMany(i => TestTrajectories.TwoPhases().Records().Where(r => r.Phase == "sft").Select(r => r with { Phase = $"phase-{i}" }));
        var layout = JsonNode.Parse(DriftCharts.StanceOverSteps(new Trajectory(records), "immigration").LayoutJson())!;
        var panels = Axes(layout, 'x').Select(x => (X: Domain(x.Axis), Y: Domain(layout[$"yaxis{x.Name[5..]}"]!.AsObject()))).ToList();
        Assert.Equal(7, panels.Count);
        for (int i = 0; i < panels.Count; i++)
            for (int j = i + 1; j < panels.Count; j++)
            {
                bool apartX = panels[i].X.Item2 <= panels[j].X.Item1 || panels[j].X.Item2 <= panels[i].X.Item1;
                bool apartY = panels[i].Y.Item2 <= panels[j].Y.Item1 || panels[j].Y.Item2 <= panels[i].Y.Item1;
                Assert.True(apartX || apartY, $"panels {i} and {j} overlap");
            }
        Assert.All(Axes(layout, 'x').Concat(Axes(layout, 'y')), a => Assert.True(a.Axis["automargin"]!.GetValue<bool>(), a.Name));
        Assert.Equal(7, layout["annotations"]!.AsArray().Count);   // one caption per panel, none stacked on another
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Value_gap_chart_has_one_panel_per_set_with_short_horizontal_ticks()
    {
        var gaps = new[]
        {
            ValueGap.From("pref-standard: immigration", [new(0.4, 0.3, 0.3)], [new(0.4, 0.3, 0.3)]),
            ValueGap.From("pref-standard: climate-change", [new(0.3, 0.4, 0.3)], [new(0.3, 0.35, 0.35)]),
            ValueGap.From("pref-support-aligned: immigration", [new(0.9, 0.05, 0.05)], [new(0.05, 0.05, 0.9)]),
            ValueGap.From("pref-support-aligned: climate-change", [new(0.9, 0.05, 0.05)], [new(0.05, 0.05, 0.9)]),
        };
        var fig = DriftCharts.ValueGapBars(gaps);
        var layout = JsonNode.Parse(fig.LayoutJson())!;
        var data = JsonNode.Parse(fig.DataJson())!.AsArray();
        Assert.Equal(6, data.Count);                                                       // 2 sets × 3 stances
        Assert.Equal(["immigration<br>TV 0.00", "climate-change<br>TV 0.05"], data[0]!["x"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("x2", data[3]!["xaxis"]!.GetValue<string>());
        Assert.All(Axes(layout, 'x'), a => Assert.Equal(0, a.Axis["tickangle"]!.GetValue<int>()));
        Assert.All(Axes(layout, 'x').Concat(Axes(layout, 'y')), a => Assert.True(a.Axis["automargin"]!.GetValue<bool>(), a.Name));
        var (b1, t1) = Domain(layout["yaxis"]!.AsObject());
        var (b2, t2) = Domain(layout["yaxis2"]!.AsObject());
        Assert.True(t2 < b1, "the second set's panel overlaps the first");
        Assert.Equal(["pref-standard", "pref-support-aligned"], layout["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>().Replace("<b>", "").Replace("</b>", "")));
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Stage_change_bars_label_outside_the_bars_and_hide_labels_with_no_room()
    {
        var fig = StageChangeCharts.ChangeBars(DriftTable.From(TestTrajectories.TwoPhases()), "dpo", "generation probe");
        var bar = JsonNode.Parse(fig.DataJson())![0]!;
        Assert.Equal("outside", bar["textposition"]!.GetValue<string>());
        Assert.Equal(0, bar["textangle"]!.GetValue<double>());
        Assert.Contains("(steps 0–100)", bar["hovertext"]![0]!.GetValue<string>());
        var layout = JsonNode.Parse(fig.LayoutJson())!;
        Assert.Equal("hide", layout["uniformtext"]!["mode"]!.GetValue<string>());
        Assert.True(layout["yaxis"]!["automargin"]!.GetValue<bool>());
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Stage_change_charts_meant_to_be_compared_share_one_scale_and_say_so()
    {
        var table = DriftTable.From(TestTrajectories.TwoPhases());
        double[] Y(PlotlyFigure f) => JsonNode.Parse(f.LayoutJson())!["yaxis"]!["range"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        string Title(PlotlyFigure f) => JsonNode.Parse(f.LayoutJson())!["yaxis"]!["title"] is JsonObject o ? (string)o["text"]! : (string)JsonNode.Parse(f.LayoutJson())!["yaxis"]!["title"]!;
        // Alone, each chart scales to its own bars: sft moved support by 0.58, dpo oppose by 0.49.
        Assert.NotEqual(Y(StageChangeCharts.ChangeBars(table, "sft")), Y(StageChangeCharts.ChangeBars(table, "dpo")));
        var shared = StageChangeCharts.SharedScale(table, ["sft", "dpo"]);
        Assert.Equal(0.58 * 1.3, shared, 9);
        Assert.Equal([-shared, shared], Y(StageChangeCharts.ChangeBars(table, "dpo", sharedScale: shared)));
        Assert.Equal(Y(StageChangeCharts.ChangeBars(table, "sft", sharedScale: shared)), Y(StageChangeCharts.ChangeBars(table, "dpo", sharedScale: shared)));
        Assert.Contains("shared scale ±0.75", Title(StageChangeCharts.ChangeBars(table, "dpo", sharedScale: shared)));
        Assert.Equal(1.0, new ValueDrift.Interactive.NotebookOptions().ChangeScale);   // notebooks: ±1 in every stage cell
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Phase_starts_come_from_the_stage_manifests_and_align_siblings()
    {
        var run = new RunDirectory(Fixtures.TempDir("phase-starts"));
        RunFolders.Stage(run, "sft", start: "/elsewhere/base-models/abc");
        RunFolders.Stage(run, "dpo", start: Path.Combine(run.StageDirectory("sft"), "checkpoints", "step-40"));
        RunFolders.Stage(run, "simpo", start: Path.Combine(run.StageDirectory("sft"), "checkpoints", "step-40"));
        var starts = PhaseStarts.FromRun(run);
        Assert.Null(starts.From("sft"));
        Assert.Equal("sft", starts.From("dpo"));
        Assert.Equal("sft", starts.From("simpo"));

        var records = TestTrajectories.TwoPhases().Records().ToList();
        var t = new Trajectory(records.Concat(records.Where(r => r.Phase == "dpo").Select(r => r with { Phase = "simpo" })));
        Assert.Equal(0, starts.Offset(t, "sft"));
        Assert.Equal(40, starts.Offset(t, "dpo"));
        Assert.Equal(40, starts.Offset(t, "simpo"));   // siblings start together, not one after another
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Heatmap_leaves_out_one_point_phases()
    {
        var records = TestTrajectories.TwoPhases().Records().ToList();
        var t = new Trajectory(records.Where(r => r.Phase == "sft" && r.Step == 0).Select(r => r with { Phase = "base" }).Concat(records));
        var heat = JsonNode.Parse(DriftCharts.MagnitudeHeatmap(DriftTable.From(t), Stance.Support).DataJson())![0]!;
        Assert.Equal(["sft", "dpo"], heat["x"]!.AsArray().Select(x => x!.GetValue<string>()));
    }
}
