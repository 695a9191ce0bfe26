using XPlot.Plotly;

namespace ValueDrift.Reporting;

/// <summary>
/// An XPlot bar trace with the plotly.js text settings XPlot.Plotly 4.1 lacks: a short label drawn horizontally just
/// outside each bar (not inside it, where long labels turn sideways and shrink), the full text on hover.
/// </summary>
public sealed class LabelledBar : Bar
{
    public string textposition { get; set; } = "outside";
    public double textangle { get; set; }
    public object textfont { get; set; } = new { size = 10 };
    public bool cliponaxis { get; set; }
    public IEnumerable<string>? hovertext { get; set; }
}
