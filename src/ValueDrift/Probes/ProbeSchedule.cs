namespace ValueDrift.Probes;

/// <summary>
/// The steps of a training phase at which to probe. Step 0 is the checkpoint the phase starts from; step s is the
/// model after s optimizer steps. Values move fastest at the start of a phase (the paper's drift times are small),
/// so <see cref="DenseEarly"/> probes densely there and sparsely later.
/// </summary>
public sealed class ProbeSchedule
{
    private readonly Func<int, int, bool> _includes;

    /// <summary>A short description, e.g. "every 50".</summary>
    public string Description { get; }

    private ProbeSchedule(Func<int, int, bool> includes, string description)
    {
        _includes = includes;
        Description = description;
    }

    /// <summary>Whether to probe after <paramref name="step"/> of a phase of <paramref name="maxSteps"/> steps.</summary>
    public bool Includes(int step, int maxSteps) => step >= 0 && step <= maxSteps && _includes(step, maxSteps);

    /// <summary>The scheduled steps of a phase of <paramref name="maxSteps"/> steps, ascending.</summary>
    public IReadOnlyList<int> Steps(int maxSteps) => Enumerable.Range(0, maxSteps + 1).Where(s => Includes(s, maxSteps)).ToList();

    /// <summary>
    /// {0, 1, 2, 5, 10, 20, 50, 100, then every <paramref name="every"/>-th step} ∩ [0, maxSteps] ∪ {maxSteps}:
    /// "then" meaning the multiples of <paramref name="every"/> above 100.
    /// </summary>
    public static ProbeSchedule DenseEarly(int maxSteps, int every)
    {
        if (maxSteps < 0) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, "must be ≥ 0");
        if (every <= 0) throw new ArgumentOutOfRangeException(nameof(every), every, "must be > 0");
        int[] early = [0, 1, 2, 5, 10, 20, 50, 100];
        var steps = early.Where(s => s <= maxSteps).ToHashSet();
        for (var s = every; s <= maxSteps; s += every)
            if (s > 100) steps.Add(s);
        steps.Add(maxSteps);
        return new ProbeSchedule((step, _) => steps.Contains(step), $"dense early to {maxSteps}, then every {every}");
    }

    /// <summary>Every <paramref name="n"/>-th step (0, n, 2n, ...) and the phase's last step, so its end is always measured.</summary>
    public static ProbeSchedule Every(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "must be > 0");
        return new ProbeSchedule((step, max) => step % n == 0 || step == max, $"every {n}");
    }

    /// <summary>Exactly the given steps.</summary>
    public static ProbeSchedule At(IEnumerable<int> steps)
    {
        var set = steps.ToHashSet();
        if (set.Any(s => s < 0)) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be ≥ 0");
        return new ProbeSchedule((step, _) => set.Contains(step), "at " + string.Join(", ", set.Order()));
    }
}
