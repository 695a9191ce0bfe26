using System.Net;

namespace ValueDrift.Interactive;

/// <summary>
/// What <see cref="Notebook.Setup"/> did, shown as the first cell's output: the library and TorchSharp versions, the
/// device used (with the CPU thread count), where the natives came from, and the plotly.js that charts use.
/// </summary>
public sealed record NotebookSetup(
    string Library, string Device, string NativeFolder, IReadOnlyList<string> NativesLoaded, string PlotlyVersion)
{
    /// <summary>One line per fact, as a console shows it.</summary>
    public override string ToString() =>
        $"ValueDrift {Library}\n{Device}\n" +
        (NativesLoaded.Count > 0 ? $"natives: {NativesLoaded.Count} libraries from {NativeFolder}\n" : $"natives: found by TorchSharp ({NativeFolder})\n") +
        $"charts: plotly.js {PlotlyVersion}, offline";

    /// <summary>The same lines as HTML, followed by the script that loads plotly.js once for the notebook.</summary>
    public string ToHtml() =>
        "<div class=\"valuedrift-setup\" style=\"font-family:monospace;white-space:pre-line\">" +
        WebUtility.HtmlEncode(ToString()) + "</div>\n" + ChartHtml.PlotlyScript();
}
