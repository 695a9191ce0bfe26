using System.Reflection;
using System.Text;
using ValueDrift.Reporting;
using XPlot.Plotly;

namespace ValueDrift.Interactive;

/// <summary>
/// The HTML a notebook shows for a chart. plotly.js (4.8 MB) is sent once per notebook, in the output of
/// <see cref="Notebook.Setup"/>; each chart's output is a div plus a script that draws as soon as
/// <c>window.Plotly</c> exists (front ends may render outputs in any order), and says what to do if it never appears.
/// With <see cref="NotebookOptions.StandaloneCharts"/> every chart carries plotly.js itself instead.
/// </summary>
public static class ChartHtml
{
    private static int _counter;

    /// <summary>
    /// The <c>&lt;script&gt;</c> that defines <c>window.Plotly</c> from the library's embedded plotly.js, unless a page
    /// already has it.
    /// </summary>
    public static string PlotlyScript() =>
        "<script type=\"text/javascript\">\nif (typeof window.Plotly === \"undefined\") {\n" +
        PlotlyJs.Source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) +
        "\n}\n</script>\n";

    /// <summary>A chart's output: a div and the drawing script, preceded by plotly.js when <paramref name="standalone"/>.</summary>
    public static string Render(PlotlyFigure figure, bool standalone)
    {
        var id = $"valuedrift-chart-{Environment.ProcessId:x}-{Interlocked.Increment(ref _counter)}";
        var sb = new StringBuilder();
        if (standalone) sb.Append(PlotlyScript());
        sb.Append($"<div id=\"{id}\" class=\"valuedrift-chart\" style=\"height:{figure.Height}px;width:100%\"></div>\n");
        sb.Append("<script type=\"text/javascript\">\n(function () {\n");
        sb.Append($"  var id = \"{id}\";\n");
        sb.Append($"  var draw = function () {{ window.Plotly.newPlot(id, {figure.DataJson()}, {figure.LayoutJson()}, {{\"responsive\": true, \"displaylogo\": false}}); }};\n");
        sb.Append("""
                    if (typeof window.Plotly !== "undefined") { draw(); return; }
                    var waited = 0;
                    var timer = setInterval(function () {
                      if (typeof window.Plotly !== "undefined") { clearInterval(timer); draw(); }
                      else if ((waited += 100) >= 10000) {
                        clearInterval(timer);
                        var el = document.getElementById(id);
                        if (el) el.textContent = "plotly.js is not loaded: run the notebook's first cell (ValueDrift.Interactive.Notebook.Setup()).";
                      }
                    }, 100);
                  })();
                  </script>

                  """);
        return sb.ToString();
    }

    /// <summary>
    /// XPlot's chart as a <see cref="PlotlyFigure"/>, so it is drawn with the same script and with object titles
    /// (XPlot writes titles as plain strings, which plotly.js 2 and later ignore). XPlot keeps its traces and layout
    /// in private fields; they are read by reflection (XPlot.Plotly 4.1.0).
    /// </summary>
    public static PlotlyFigure FromChart(PlotlyChart chart)
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;
        var traces = (typeof(PlotlyChart).GetField("traces", Private)?.GetValue(chart) as IEnumerable<Trace>)?.ToList()
            ?? throw new InvalidOperationException("this XPlot.Plotly version keeps no 'traces' field; update ChartHtml.FromChart");
        // The layout is an F# option: null when None, else an object with a Value property.
        var option = typeof(PlotlyChart).GetField("layout", Private)?.GetValue(chart);
        var layout = option?.GetType().GetProperty("Value")?.GetValue(option) as Layout.Layout ?? new Layout.Layout();
        var title = layout.ShouldSerializetitle() ? layout.title : "";
        return new PlotlyFigure(title, traces, layout) { Height = chart.Height > 0 ? chart.Height : 450 };
    }
}
