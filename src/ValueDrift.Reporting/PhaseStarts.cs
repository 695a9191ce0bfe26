using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;

namespace ValueDrift.Reporting;

/// <summary>
/// Which checkpoint each phase of a trajectory was trained from: the phase whose checkpoint it started at, or none
/// (the base model, or not known). Preference phases of the paper's grid all restart from one SFT checkpoint, so they
/// are drawn side by side from that checkpoint's step, never one after another (<see cref="DriftCharts"/>).
/// </summary>
public sealed class PhaseStarts
{
    private readonly IReadOnlyDictionary<string, string> _from;

    /// <summary>Phase → the phase it started from; phases not listed start from the base model (or are not known).</summary>
    public PhaseStarts(IReadOnlyDictionary<string, string> from) => _from = from;

    /// <summary>Nothing known: every phase is drawn on its own steps.</summary>
    public static PhaseStarts Unknown { get; } = new(new Dictionary<string, string>());

    /// <summary>The phase <paramref name="phase"/> started from, or null.</summary>
    public string? From(string phase) => _from.TryGetValue(phase, out var p) ? p : null;

    /// <summary>
    /// Read from a run folder's stage manifests (<c>stages/&lt;phase&gt;/stage.json</c>, <see cref="StageManifest"/>):
    /// a stage whose start checkpoint lies inside another stage's folder started from that stage. Stages started from
    /// anything else (the base model, an outside checkpoint) have no entry.
    /// </summary>
    public static PhaseStarts FromRun(RunDirectory run)
    {
        var stages = Path.Combine(run.Root, "stages");
        var from = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(stages)) return new PhaseStarts(from);
        foreach (var dir in Directory.GetDirectories(stages))
        {
            var start = (StageManifest.TryRead(dir)?["locations"] as JsonObject)?["start"]?.GetValue<string>();
            if (start is null) continue;
            // The start is recorded as an absolute path; compare relative to the stages folder so a moved run still matches.
            var parent = ParentPhase(start, stages) ?? ParentPhase(start, Path.Combine(StartRoot(start, dir), "stages"));
            // Only a stage of this run counts: a checkpoint of some other run's stage of the same name is not this run's phase.
            if (parent is not null && parent != Path.GetFileName(dir) && Directory.Exists(Path.Combine(stages, parent))) from[Path.GetFileName(dir)] = parent;
        }
        return new PhaseStarts(from);
    }

    // The run root the manifest was written in: the part of the start path before "/stages/".
    private static string StartRoot(string start, string stageDir)
    {
        var i = start.Replace('\\', '/').LastIndexOf("/stages/", StringComparison.Ordinal);
        return i < 0 ? Path.GetDirectoryName(Path.GetDirectoryName(stageDir)!)! : start[..i];
    }

    private static string? ParentPhase(string start, string stagesRoot)
    {
        var rel = Path.GetRelativePath(stagesRoot, start).Replace('\\', '/');
        if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel)) return null;
        var first = rel.Split('/')[0];
        return first.Length == 0 || first == "." ? null : first;
    }

    /// <summary>
    /// Aligned starts: the step on one axis counted from the base model at which a phase begins, so a phase starts where
    /// the checkpoint it was trained from ended (its parent's aligned last step), and sibling phases start together.
    /// A phase whose parent is not in the trajectory starts at its own first step.
    /// </summary>
    public int Offset(Trajectory trajectory, string phase) => Offset(trajectory, phase, 0);

    private int Offset(Trajectory trajectory, string phase, int depth)
    {
        if (depth > 64 || From(phase) is not { } parent || !trajectory.Phases.Contains(parent)) return 0;
        var (first, _) = trajectory.StepRange(phase);
        var parentEnd = trajectory.StepRange(parent).Last + Offset(trajectory, parent, depth + 1);
        return parentEnd - first;
    }
}
