using Microsoft.Extensions.Logging;
using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Text;

namespace ValueDrift.Interactive;

/// <summary>
/// One stage per cell on any Hugging Face checkpoint, as <see cref="WorldSession"/> does on the synthetic world: a
/// model folder (config.json, safetensors, tokenizer), a probe file of value-laden questions and a stance judge
/// (an endpoint, a local judge model, or any <see cref="IStanceJudge"/>). <c>Start</c> measures the model as
/// phase "base"; each <see cref="Run"/> trains one <see cref="Stage"/> through <see cref="StageRunner"/> from a
/// previous stage's checkpoint, traced by the generation probe, and returns a <see cref="StageChange"/>.
/// <code>
/// using var session = ModelSession.Start("models/Qwen3-0.6B", "probes/values.jsonl",
///     "endpoint:http://localhost:8000/v1,judge", "runs/qwen3", new GenerationProbeOptions { Samples = 5 });
/// var sft = session.Run(new Stage { Name = "sft-mine", Algorithm = new Sft(), DataPath = "data/mine.jsonl" });
/// </code>
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly IStanceJudge _judge;
    private readonly bool _ownsJudge;
    private readonly GenerationProbe _probe;
    private readonly List<StageChange> _stages = [];

    private ModelSession(string model, RunDirectory folder, ProbeSet probes, IStanceJudge judge, bool ownsJudge, GenerationProbe probe, ILogger logger)
    {
        BaseModel = model;
        Folder = folder;
        Probes = probes;
        _judge = judge;
        _ownsJudge = ownsJudge;
        _probe = probe;
        Logger = logger;
    }

    /// <summary>The checkpoint every stage without a <c>from</c> starts at.</summary>
    public string BaseModel { get; }

    /// <summary>The run folder: stages/, trace.jsonl and (for judges named by a spec) the judgement cache.</summary>
    public RunDirectory Folder { get; }

    /// <summary>The probe questions each measurement asks.</summary>
    public ProbeSet Probes { get; }

    /// <summary>The stages run so far in this session, in order.</summary>
    public IReadOnlyList<StageChange> Stages => _stages;

    /// <summary>Seed of the drift tables' bootstraps (the probe's own seed by default).</summary>
    public int Seed { get; init; }

    /// <summary>Where progress lines go (default <see cref="SessionLog.Default"/>: nowhere where the cell's live output shows the progress, standard output elsewhere).</summary>
    public ILogger Logger { get; set; }

    /// <summary>
    /// Starts a session whose judge is named as on the command line (<see cref="JudgeSpec.Forms"/>): its readings are
    /// cached in the run folder, so a repeated measurement asks the endpoint nothing it asked before.
    /// </summary>
    public static ModelSession Start(string modelFolder, string probeFile, string judge, string runFolder,
        GenerationProbeOptions? probe = null, bool resume = false, ILogger? logger = null)
    {
        var folder = new RunDirectory(runFolder);
        if (!resume) Clear(folder);
        var opened = JudgeSpec.Open(judge, Path.Combine(folder.Root, RecipeRunner.JudgementCacheFolder), where: "judge");
        try { return Start(modelFolder, probeFile, opened, folder, ownsJudge: true, probe, logger); }
        catch { (opened as IDisposable)?.Dispose(); throw; }
    }

    /// <summary>Starts a session with a judge object (e.g. <see cref="ChatEndpointJudge"/> with its own options); the caller keeps ownership of it.</summary>
    public static ModelSession Start(string modelFolder, string probeFile, IStanceJudge judge, string runFolder,
        GenerationProbeOptions? probe = null, bool resume = false, ILogger? logger = null)
    {
        var folder = new RunDirectory(runFolder);
        if (!resume) Clear(folder);
        return Start(modelFolder, probeFile, judge, folder, ownsJudge: false, probe, logger);
    }

    private static ModelSession Start(string modelFolder, string probeFile, IStanceJudge judge, RunDirectory folder, bool ownsJudge,
        GenerationProbeOptions? probeOptions, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(judge);
        if (!Directory.Exists(modelFolder)) throw new ConfigException(modelFolder, "model", "model folder not found");
        if (!File.Exists(Path.Combine(modelFolder, "config.json")))
            throw new ConfigException(modelFolder, "model", "no config.json: not a Hugging Face model folder");
        var log = logger ?? SessionLog.Default();
        var probes = ProbeSet.Load(probeFile);
        var options = probeOptions ?? new GenerationProbeOptions();
        options.Validate();
        var tokenizer = TokenizerLoader.FromFolder(modelFolder);
        var template = ChatTemplate.ForModelFolder(modelFolder, tokenizer);
        var probe = new GenerationProbe(probes, tokenizer, template, judge, options);
        var session = new ModelSession(Path.GetFullPath(modelFolder), folder, probes, judge, ownsJudge, probe, log) { Seed = (int)options.Seed };
        using (var traces = TracedProbe.Open(session.Traced))
            StagePlan.MeasureBase(session.BaseModel, traces.Targets, log);
        return session;
    }

    private IReadOnlyList<TracedProbe> Traced => [new TracedProbe(_probe, Folder.TracePath)];

    /// <summary>
    /// Trains <paramref name="stage"/> from <paramref name="from"/>'s final checkpoint (null: <see cref="BaseModel"/>),
    /// probing on the dense-early schedule into the run's trace. A stage already trained in this folder is read back;
    /// one stopped midway resumes from its newest checkpoint.
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from = null)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var start = from?.FinalCheckpoint ?? BaseModel;
        new StagePlan(BaseModel, [new PlannedStage(stage, null)]).PruneUnfinished(Folder, [Folder.TracePath]);
        StageResult result;
        using (var traces = TracedProbe.Open(Traced))
        {
            try { result = new StageRunner(Folder, traces.Targets) { Logger = Logger }.Run(stage, start); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw StageFailedException.Raise(stage.Name, e, progress: null);
            }
        }
        var change = StageChange.Measure(result, from?.Phase ?? StagePlan.BasePhase, Trajectory(), null, Seed);
        _stages.Add(change);
        return change;
    }

    /// <summary>Every measurement so far (phase "base" first, then the stages in the order run).</summary>
    public Trajectory Trajectory() => Drift.Trajectory.FromTrace(Folder.TracePath);

    /// <summary>Drift magnitude and drift time of every stage run so far, per topic and stance.</summary>
    public DriftTable DriftTable() =>
        Drift.DriftTable.From(new Trajectory(Trajectory().Records().Where(r => r.Phase != StagePlan.BasePhase)), new DriftTableOptions { Seed = Seed });

    public override string ToString() =>
        $"Model session: {BaseModel}; {Probes.Questions.Count} probe questions; run folder {Folder.Root}; stages: {(_stages.Count == 0 ? "none yet" : string.Join(", ", _stages.Select(s => s.Phase)))}";

    public void Dispose()
    {
        if (_ownsJudge) (_judge as IDisposable)?.Dispose();
    }

    // As WorldSession: re-running a notebook from the top measures afresh (the judgement cache is kept).
    private static void Clear(RunDirectory run)
    {
        if (File.Exists(run.TracePath)) File.Delete(run.TracePath);
        var stages = Path.Combine(run.Root, "stages");
        if (Directory.Exists(stages)) Directory.Delete(stages, recursive: true);
    }
}
