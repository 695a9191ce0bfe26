using ValueDrift.Attribution;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.World;

namespace ValueDrift.Interactive;

/// <summary>
/// Drift attribution in a notebook session: which training examples of a stage moved a stance
/// (<see cref="Attributor"/>, TracIn over the stage's checkpoints), checked by retraining without them
/// (<see cref="Ablation"/>). Attribution needs the model along the way, so run the stage with
/// <see cref="RunForAttribution"/> (checkpoints every quarter) rather than <see cref="WorldSession.Run(string, StageChange?)"/>.
/// The stance score and the ablation's M use the world's likelihood probe on ten of the topic's questions
/// (<see cref="WorldAttribution.ProbeFor"/>; the training sets' own words unless asked for held-out ones), as
/// <c>valuedrift attribute</c> does.
/// </summary>
public static class SessionAttribution
{
    private static int _registered;

    /// <summary>The world's stage of that name with checkpoints every quarter of its steps, which attribution reads.</summary>
    public static Stage StageForAttribution(this WorldSession session, string name)
    {
        var stage = session.Stage(name);
        return stage with { Training = stage.Training with { CheckpointEvery = AttributionCheckpoint.SuggestedEvery(stage.Training.MaxSteps), KeepCheckpoints = 0 } };
    }

    /// <summary>Runs the world's stage of that name from <paramref name="from"/> (null: the base model), keeping the checkpoints attribution needs.</summary>
    public static StageChange RunForAttribution(this WorldSession session, string name, StageChange? from = null) =>
        session.Run(session.StageForAttribution(name), from);

    /// <summary>Attributes the last run of the stage named <paramref name="stage"/> in this session (see the overload).</summary>
    public static AttributionView Attribute(this WorldSession session, string stage, string topic, string stance, int top = 20, AttributionOptions? options = null,
        WorldProbeSplit split = WorldAttribution.DefaultSplit)
    {
        var run = session.Stages.LastOrDefault(s => s.Phase == stage)
            ?? throw new ConfigException("session", "stage", $"stage '{stage}' has not run in this session; run it first with session.RunForAttribution(\"{stage}\", from)");
        return session.Attribute(run, topic, stance, top, options, split);
    }

    /// <summary>
    /// Scores every training example of <paramref name="stage"/> by how much it pushed <paramref name="topic"/> toward
    /// <paramref name="stance"/> and returns the top <paramref name="top"/> with their text (gradients cached in the
    /// stage folder, so another topic or stance on the same stage takes seconds). A stage run without checkpoints is
    /// refused with the checkpoint interval it needs.
    /// </summary>
    public static AttributionView Attribute(this WorldSession session, StageChange stage, string topic, string stance, int top = 20, AttributionOptions? options = null,
        WorldProbeSplit split = WorldAttribution.DefaultSplit)
    {
        EnsureFormatters();
        if (top < 1) throw new ConfigException("session", "top", $"must be ≥ 1, got {top}");
        var s = StanceScore.ParseStance(stance);
        var record = StageRecord.Read(stage.Result.Directory);
        var probe = WorldAttribution.ProbeFor(record.StartModel, topic, split);
        var result = Attributor.Run(record, probe, topic, s, options, Log(session));
        var labels = WorldAttribution.Labels(session.Options.World, record.Stage.DataPath, result.Scores.Count);
        var topIndices = result.Top(top);
        return new AttributionView(stage, result, AttributionView.Rows(result, top, labels),
            labels is null ? null : TopKPrecision.Of(topIndices, labels.Select(l => l.Stance).ToList(), result.Stance),
            labels is null ? null : TopKPrecision.Of(topIndices, labels, topic, result.Stance),
            Ablation: null) { ProbeSplit = split };
    }

    /// <summary>
    /// Retrains the attributed stage from its start without the top <paramref name="fraction"/> of examples by score and,
    /// as the control, without a random fraction, for <paramref name="seeds"/> training seeds, and returns the view with
    /// the drift magnitudes (<see cref="Ablation.Run"/>). Retrained stages go under the run folder's attribution/ and are
    /// reused when finished, unless the stage itself was trained afresh in this session.
    /// </summary>
    public static AttributionView Ablate(this WorldSession session, AttributionView view, double fraction = 0.1, int seeds = Ablation.DefaultSeeds)
    {
        Ablation.CheckFraction(fraction);
        Ablation.CheckSeeds(seeds);
        var record = StageRecord.Read(view.Stage.Result.Directory);
        var probe = WorldAttribution.ProbeFor(record.StartModel, view.Attribution.Topic, view.ProbeSplit);
        var folder = Path.Combine(session.Folder.Root, "attribution", record.Stage.Name);
        // Retrained stages are reused by name; a stage trained afresh in this session (a notebook run from the top)
        // may rank differently from the one an earlier run ablated, so its earlier retrains are not reused.
        if (!view.Stage.Result.AlreadyComplete && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Console.WriteLine(AblationNotice(view.Stage.Result, seeds));
        var result = Ablation.Run(record, view.Attribution, probe, folder, fraction, seeds, Log(session));
        return view with { Ablation = result };
    }

    /// <summary>
    /// Said before the retraining starts, since it is the longest cell of a notebook: how many stages it trains and,
    /// when the stage was trained in this session, about how long that takes (its own training time per retrained
    /// stage, probes included).
    /// </summary>
    public static string AblationNotice(StageResult stage, int seeds)
    {
        var runs = 2 * seeds;
        var text = FormattableString.Invariant($"retraining {stage.Stage.Name} {runs} times (without the top cut and without a random cut, {seeds} seeds; {stage.Stage.Training.MaxSteps} steps each)");
        return stage.AlreadyComplete
            ? text + "; finished retrains in the run folder are reused."
            : text + FormattableString.Invariant($": about {Math.Ceiling(runs * stage.Elapsed.TotalMinutes):0} min at the {stage.Elapsed.TotalSeconds:0} s the stage took here.");
    }

    /// <summary>Registers <see cref="AttributionView"/>'s formatters once; <see cref="Attribute(WorldSession, StageChange, string, string, int, AttributionOptions?, WorldProbeSplit)"/> does it on first use.</summary>
    public static void EnsureFormatters()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) AttributionView.RegisterFormatters();
    }

    private static Action<string> Log(WorldSession session) => line => session.Logger.Line(line);
}
