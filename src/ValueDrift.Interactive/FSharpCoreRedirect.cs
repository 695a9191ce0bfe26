using System.Reflection;
using System.Runtime.Loader;

namespace ValueDrift.Interactive;

/// <summary>
/// Lets the library's F# dependencies (Deedle, XPlot.Plotly) run inside a notebook kernel. They are built against
/// FSharp.Core 10.1, but the .NET Interactive kernels ship and have already loaded FSharp.Core 10.0; the runtime
/// refuses to bind a request for 10.1 to the loaded 10.0 and throws <see cref="FileNotFoundException"/> on first use.
/// Resolving such requests to the FSharp.Core the process already has works: the members used are the same.
/// </summary>
public static class FSharpCoreRedirect
{
    private static int _installed;

    /// <summary>Adds the resolver to the default load context, once per process.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += Resolve;
    }

    /// <summary>Whether <see cref="Install"/> has run in this process.</summary>
    public static bool IsInstalled => Volatile.Read(ref _installed) == 1;

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (!string.Equals(name.Name, "FSharp.Core", StringComparison.Ordinal)) return null;
        var loaded = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => string.Equals(a.GetName().Name, "FSharp.Core", StringComparison.Ordinal));
        if (loaded is not null) return loaded;
        // Not loaded yet: take whichever FSharp.Core the host application lists (no version asked, so any binds).
        try { return context.LoadFromAssemblyName(new AssemblyName("FSharp.Core")); }
        catch (FileNotFoundException) { return null; }
    }
}
