using System.Text.Json.Nodes;
using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// A chart built from XPlot.Plotly traces and layout, rendered to plotly.js calls by this project rather than by
/// XPlot's HTML, because XPlot writes titles as plain strings, which plotly.js 2 and later ignore: every
/// <c>"title": "..."</c> (layout, axes, colour bars) is rewritten to <c>"title": {"text": "..."}</c>.
/// Use <see cref="ToChart"/> for XPlot's own object (e.g. in a notebook), <see cref="ToHtmlDiv"/> or
/// <see cref="HtmlReport"/> for pages.
/// </summary>
public sealed class PlotlyFigure
{
    public string Title { get; }
    public IReadOnlyList<Trace> Traces { get; }
    public Layout.Layout Layout { get; }

    /// <summary>Height in pixels of the chart's box on a page.</summary>
    public int Height { get; init; } = 450;

    public PlotlyFigure(string title, IReadOnlyList<Trace> traces, Layout.Layout layout)
    {
        Title = title;
        Traces = traces;
        Layout = layout;
        Layout.title = title;
    }

    /// <summary>The traces as plotly.js JSON (an array).</summary>
    public string DataJson() => FixTitles(JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(Traces))!).ToJsonString();

    /// <summary>The layout as plotly.js JSON, with object titles and a <see cref="PlotlyLayout"/>'s overrides merged in.</summary>
    public string LayoutJson()
    {
        var json = FixTitles(JsonNode.Parse(Newtonsoft.Json.JsonConvert.SerializeObject(Layout))!).AsObject();
        if (Layout is PlotlyLayout p) PlotlyLayout.Merge(json, FixTitles(p.Overrides.DeepClone()).AsObject());
        return json.ToJsonString();
    }

    /// <summary>A div and the script that draws the chart into it (plotly.js must be loaded before).</summary>
    public string ToHtmlDiv(string id) =>
        $"<div id=\"{id}\" class=\"figure\" style=\"height:{Height}px\"></div>\n" +
        $"<script>Plotly.newPlot(\"{id}\", {DataJson()}, {LayoutJson()}, {{\"responsive\": true, \"displaylogo\": false}});</script>\n";

    /// <summary>XPlot's chart object for the same traces and layout (its HTML keeps XPlot's string titles).</summary>
    public PlotlyChart ToChart()
    {
        var chart = Chart.Plot(Traces);
        chart.WithLayout(Layout);
        return chart;
    }

    /// <summary>Rewrites every string-valued "title" property into {"text": ...}, recursively.</summary>
    internal static JsonNode FixTitles(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    var child = o[key];
                    if (child is null) continue;
                    if (key == "title" && child is JsonValue v && v.TryGetValue<string>(out var text))
                        o[key] = new JsonObject { ["text"] = text };
                    else
                        FixTitles(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                    if (child is not null) FixTitles(child);
                break;
        }
        return node;
    }
}
