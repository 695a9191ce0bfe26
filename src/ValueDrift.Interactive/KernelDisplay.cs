using System.Reflection;

namespace ValueDrift.Interactive;

/// <summary>
/// An updatable output of the running notebook cell: <c>KernelInvocationContext.Current.Display(value)</c> of
/// Microsoft.DotNet.Interactive, whose <c>DisplayedValue.Update(value)</c> redraws it in place. Reached by reflection
/// on the kernel's own loaded assembly rather than a package reference, so the library binds to whatever version the
/// kernel (VS Code's, Jupyter's, dotnet-repl's) carries and adds no second copy of it to artifacts/notebook. Outside a
/// kernel (tests, scripts) there is no current context and <see cref="TryShow"/> returns null.
/// </summary>
public sealed class KernelDisplay
{
    private const string AssemblyName = "Microsoft.DotNet.Interactive";
    private readonly object _displayed;
    private readonly MethodInfo _update;

    private KernelDisplay(object displayed, MethodInfo update)
    {
        _displayed = displayed;
        _update = update;
    }

    /// <summary>The running cell's invocation context, or null outside a kernel.</summary>
    private static object? CurrentContext(out Type? contextType)
    {
        contextType = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == AssemblyName)
            ?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext");
        return contextType?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
    }

    /// <summary>The running cell's cancellation (the front end's interrupt button), or none outside a kernel.</summary>
    public static CancellationToken CellCancellation()
    {
        var context = CurrentContext(out var type);
        return context is not null && type!.GetProperty("CancellationToken")?.GetValue(context) is CancellationToken token ? token : CancellationToken.None;
    }

    /// <summary>
    /// True when the host redraws an updated output in place (VS Code, Jupyter). dotnet-repl, the headless runner,
    /// records every update as one more output, so an executed notebook would keep each frame of a progress display.
    /// </summary>
    public static bool HostRedraws => Assembly.GetEntryAssembly()?.GetName().Name != "dotnet-repl";

    /// <summary>True inside a kernel whose host redraws outputs in place: there a progress display replaces log lines.</summary>
    public static bool LiveOutputs => HostRedraws && CurrentContext(out _) is not null;

    /// <summary>
    /// Shows <paramref name="value"/> (formatted as text/html) in the running cell; null outside a kernel or where the
    /// host does not redraw in place (<see cref="HostRedraws"/>).
    /// </summary>
    public static KernelDisplay? TryShow(object value)
    {
        if (!HostRedraws) return null;
        if (Show(value) is not { } displayed) return null;
        var update = displayed.GetType().GetMethod("Update", [typeof(object)]);
        return update is null ? null : new KernelDisplay(displayed, update);
    }

    /// <summary>
    /// Shows <paramref name="value"/> (formatted as text/html) once in the running cell, whatever the host; returns the
    /// kernel's displayed value, or null outside a kernel.
    /// </summary>
    public static object? Show(object value)
    {
        var context = CurrentContext(out var type);
        if (context is null) return null;
        var display = type!.Assembly.GetType("Microsoft.DotNet.Interactive.KernelInvocationContextExtensions")
            ?.GetMethod("Display", BindingFlags.Public | BindingFlags.Static, [type, typeof(object), typeof(string[])]);
        return display?.Invoke(null, [context, value, new[] { "text/html" }]);
    }

    /// <summary>Redraws the output with <paramref name="value"/>.</summary>
    public void Update(object value) => _update.Invoke(_displayed, [value]);
}
