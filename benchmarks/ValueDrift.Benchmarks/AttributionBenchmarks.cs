using System.Diagnostics;
using ValueDrift.Attribution;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Benchmarks;

/// <summary>
/// Drift attribution on the embedded world (section "attribution"): TracIn over a world SFT stage's saved checkpoints,
/// its 600 examples' gradients computed from scratch (target: under 2 minutes on two cores), then a second topic and
/// stance on the same stage from the gradient cache. The stage is trained first, untimed, at the size
/// <c>valuedrift attribute --world</c> uses; the base model comes from the shared cache (pretrained there first when
/// missing, also untimed).
/// </summary>
public static class AttributionBenchmarks
{
    public const double TargetSeconds = 120;

    /// <summary>Gives the section's rows (what, measured) to <paramref name="addRow"/>.</summary>
    public static void Run(string workDir, bool quick, Action<string[]> addRow)
    {
        Console.WriteLine("[attribution: world SFT stage]");
        var folder = Path.Combine(workDir, "attribution");
        // --quick: the Quick world and base model (12-step SFT), only to smoke-test the section.
        var o = quick ? WorldExperimentOptions.Quick(folder) with { CacheRoot = Path.Combine(workDir, "cache") }
                      : WorldAttribution.NotebookSize(folder, cacheRoot: null);
        const string stage = "sft-neutral";
        var (setup, record) = WorldAttribution.RunStage(o, stage, line => Console.WriteLine("  " + line));
        var topics = setup.World.Topics ?? WorldTopics.QuickDemoIds;

        (AttributionResult Result, double Seconds) Time(string topic, Stance stance)
        {
            var probe = WorldAttribution.ProbeFor(record.StartModel, topic);
            var w = Stopwatch.StartNew();
            var result = Attributor.Run(record, probe, topic, stance, log: line => Console.WriteLine("  " + line));
            return (result, w.Elapsed.TotalSeconds);
        }

        // The stage folder is new, so the first attribution computes every example's gradients (and writes the cache: included).
        var (fresh, freshSeconds) = Time(topics[0], Stance.Neutral);
        if (fresh.Checkpoints.Any(c => c.FromCache)) throw new InvalidOperationException("the first attribution of a new stage folder read cached gradients");
        var examples = fresh.Scores.Count;
        var checkpoints = fresh.Checkpoints.Count;
        Console.WriteLine($"  from scratch: {freshSeconds:F1} s ({examples} examples × {checkpoints} checkpoints; target < {TargetSeconds:F0} s)");
        addRow([$"attribution of world stage {stage}: {examples} examples × {checkpoints} checkpoints, gradients from scratch ({fresh.Restriction}; {fresh.Projection}); target < {TargetSeconds:F0} s",
            Fmt.Seconds(freshSeconds) + (freshSeconds < TargetSeconds ? " (met)" : " (NOT met)")]);

        var (_, cachedSeconds) = Time(topics[^1], Stance.Support);
        Console.WriteLine($"  another topic and stance from the gradient cache: {cachedSeconds:F1} s");
        addRow(["attribution of the same stage for another topic and stance, example gradients from the cache", Fmt.Seconds(cachedSeconds)]);
    }
}
