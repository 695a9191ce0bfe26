namespace ValueDrift.Benchmarks;

/// <summary>
/// A condition every measurement runs under: the machine as found ("idle"), and with <c>--background-load</c> also
/// beside a busy loop holding one CPU (<see cref="BusyCore"/>, "one core busy"), which stands for a user's editor,
/// browser or other kernel. <see cref="Apply"/> holds the load for the duration of one measurement.
/// </summary>
public sealed record Load(string Key, string Label, bool Busy)
{
    public static readonly Load Idle = new("idle", "idle", false);
    public static readonly Load OneCoreBusy = new("busy", "one core busy", true);

    /// <summary>The background load while the result lives (null when idle: nothing to hold).</summary>
    public IDisposable? Apply() => Busy ? BusyCore.StartSpinning() : null;
}
