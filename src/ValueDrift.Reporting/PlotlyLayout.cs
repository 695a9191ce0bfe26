using System.Text.Json.Nodes;

namespace ValueDrift.Reporting;

/// <summary>
/// An XPlot layout with plotly.js settings XPlot.Plotly 4.1 has no property for (axis <c>automargin</c>, subplot
/// <c>grid</c>s, axes beyond <c>xaxis2</c>), kept as JSON and merged over the serialised layout by
/// <see cref="PlotlyFigure.LayoutJson"/>. Kept inside the layout object, so a figure rebuilt from another's layout
/// keeps them.
/// </summary>
public sealed class PlotlyLayout : XPlot.Plotly.Layout.Layout
{
    /// <summary>Merged key by key into the layout's JSON (objects recursively; other values replace).</summary>
    [Newtonsoft.Json.JsonIgnore]
    public JsonObject Overrides { get; } = new();

    /// <summary>Sets <c>automargin</c> on the named axes, so tick labels and axis titles get the room they need instead of being cut off.</summary>
    public PlotlyLayout AutoMargin(params string[] axes)
    {
        foreach (var axis in axes) Axis(axis)["automargin"] = true;
        return this;
    }

    /// <summary>The override object of an axis ("xaxis", "yaxis3", …), created when missing.</summary>
    public JsonObject Axis(string name)
    {
        if (Overrides[name] is not JsonObject o) Overrides[name] = o = new JsonObject();
        return o;
    }

    /// <summary>Merges <paramref name="source"/> into <paramref name="target"/>: objects key by key, anything else replaces.</summary>
    internal static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject s && target[key] is JsonObject t) Merge(t, s);
            else target[key] = value?.DeepClone();
        }
    }
}
