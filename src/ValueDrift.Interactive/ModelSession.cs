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
/// phase <see cref="StagePlan.BasePhase"/>; each <see cref="Run(Stage, StageChange?)"/> trains one <see cref="Stage"/>
/// through <see cref="StageRunner"/> from a previous stage's checkpoint, traced by the generation probe, and returns a
/// <see cref="StageChange"/>. The stage cell's work is <see cref="StageSession"/>, as in <see cref="WorldSession"/>:
/// live progress, the cell's interrupt stopping the stage at its next step, a failure read as one line.
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
    private readonly StageSession _core;

    private ModelSession(ProbeSet probes, IStanceJudge judge, bool ownsJudge, StageSession core)
    {
        Probes = probes;
        _judge = judge;
        _ownsJudge = ownsJudge;
        _core = core;
    }

    /// <summary>The checkpoint every stage without a <c>from</c> starts at.</summary>
    public string BaseModel => _core.BaseModel;

    /// <summary>The run folder: stages/, trace.jsonl and (for judges named by a spec) the judgement cache.</summary>
    public RunDirectory Folder => _core.Folder;

    /// <summary>The probe questions each measurement asks.</summary>
    public ProbeSet Probes { get; }

    /// <summary>The stages run so far in this session, in order.</summary>
    public IReadOnlyList<StageChange> Stages => _core.Stages;

    /// <summary>Seed of the drift tables' bootstraps (the probe's own seed).</summary>
    public int Seed => _core.Seed;

    /// <summary>Where progress lines go (default <see cref="SessionLog.Default"/>: nowhere where the cell's live output shows the progress, standard output elsewhere).</summary>
    public ILogger Logger { get => _core.Logger; set => _core.Logger = value; }

    /// <summary>
    /// Starts a session whose judge is named as on the command line (<see cref="JudgeSpec.Forms"/>): its readings are
    /// cached in the run folder, so a repeated measurement asks the endpoint nothing it asked before.
    /// </summary>
    public static ModelSession Start(string modelFolder, string probeFile, string judge, string runFolder,
        GenerationProbeOptions? probe = null, bool resume = false, ILogger? logger = null)
    {
        var folder = new RunDirectory(runFolder);
        if (!resume) StageSession.Clear(folder);
        var opened = JudgeSpec.Open(judge, Path.Combine(folder.Root, RecipeRunner.JudgementCacheFolder), where: "judge");
        try { return Start(modelFolder, probeFile, opened, folder, ownsJudge: true, probe, logger); }
        catch { (opened as IDisposable)?.Dispose(); throw; }
    }

    /// <summary>Starts a session with a judge object (e.g. <see cref="ChatEndpointJudge"/> with its own options); the caller keeps ownership of it.</summary>
    public static ModelSession Start(string modelFolder, string probeFile, IStanceJudge judge, string runFolder,
        GenerationProbeOptions? probe = null, bool resume = false, ILogger? logger = null)
    {
        var folder = new RunDirectory(runFolder);
        if (!resume) StageSession.Clear(folder);
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
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = StageProgress.Start("starting the session (measuring the base model)", log);
        var tokenizer = TokenizerLoader.FromFolder(modelFolder);
        var template = ChatTemplate.ForModelFolder(modelFolder, tokenizer);
        var probe = new GenerationProbe(probes, tokenizer, template, judge, options);
        var core = new StageSession(Path.GetFullPath(modelFolder), folder, [new TracedProbe(probe, folder.TracePath)], (int)options.Seed, log);
        core.MeasureBase(progress);
        progress.Finish(FormattableString.Invariant($"session ready in {clock.Elapsed.TotalSeconds:0} s; base model {core.BaseModel}"));
        return new ModelSession(probes, judge, ownsJudge, core);
    }

    /// <summary>
    /// Trains <paramref name="stage"/> from <paramref name="from"/>'s final checkpoint (null: <see cref="BaseModel"/>),
    /// probing on the dense-early schedule into the run's trace, its progress live in the running cell. A stage already
    /// trained in this folder is read back; one stopped midway resumes from its newest checkpoint.
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from = null) => Run(stage, from, KernelDisplay.CellCancellation());

    /// <summary>
    /// <see cref="Run(Stage, StageChange?)"/> that stops at the next step once <paramref name="cancel"/> is set (in a
    /// notebook the cell's interrupt does this): the stage's measurements so far stay in the trace and the result says
    /// it was interrupted; running the stage again continues from the step it stopped at.
    /// </summary>
    public StageChange Run(Stage stage, StageChange? from, CancellationToken cancel) => _core.Run(stage, from, cancel);

    /// <summary>Every measurement so far (the base model first, then the stages in the order run).</summary>
    public Trajectory Trajectory() => _core.Trajectory();

    /// <summary>Drift magnitude and drift time of every stage run so far, per topic and stance.</summary>
    public DriftTable DriftTable() => _core.DriftTable();

    public override string ToString() =>
        $"Model session: {BaseModel}; {Probes.Questions.Count} probe questions; run folder {Folder.Root}; stages: {(Stages.Count == 0 ? "none yet" : string.Join(", ", Stages.Select(s => s.Phase)))}";

    public void Dispose()
    {
        if (_ownsJudge) (_judge as IDisposable)?.Dispose();
    }
}
