using System.Reflection;

namespace ValueDrift.Reporting;

/// <summary>
/// The plotly.js bundle embedded in the library (npm <c>plotly.js-dist-min</c> 3.7.0, MIT licence), so reports
/// render without network access.
/// </summary>
public static class PlotlyJs
{
    public const string Version = "3.7.0";

    private static readonly Lazy<string> _source = new(() => Read("ValueDrift.Reporting.plotly.min.js"));
    private static readonly Lazy<string> _license = new(() => Read("ValueDrift.Reporting.plotly.js-LICENSE"));

    /// <summary>The minified plotly.js source.</summary>
    public static string Source => _source.Value;

    /// <summary>plotly.js's MIT licence text, to ship beside a copied plotly.min.js.</summary>
    public static string License => _license.Value;

    private static string Read(string name)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from the library build");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
