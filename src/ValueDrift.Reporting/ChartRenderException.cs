using ValueDrift.Errors;

namespace ValueDrift.Reporting;

/// <summary>A chart that could not be rendered to an image: no headless browser found, or the browser failed or wrote no image.</summary>
public sealed class ChartRenderException(string chart, string problem, Exception? inner = null)
    : ValueDriftException($"rendering '{chart}': {problem}", inner)
{
    public string Chart { get; } = chart;
}
