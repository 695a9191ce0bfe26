using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;
using static TorchSharp.torch;

namespace ValueDrift.Drift;

/// <summary>
/// Records a phase's value trajectory while it trains: subscribed to a <see cref="TrainingLoop"/>'s
/// <see cref="TrainingLoop.Started"/> and <see cref="TrainingLoop.StepEnded"/> events (<see cref="Attach"/>), it measures the
/// policy with an <see cref="IStanceProbe"/> at the steps of a <see cref="ProbeSchedule"/> and appends one
/// <see cref="TraceRecord"/> per topic to a trace (each line synced as written, so a killed run keeps what it had).
/// Steps count within the phase: 0 is the checkpoint the phase started from.
/// <para>Resuming: the trace is read when the recorder is made; on a resumed run, scheduled steps up to the resume
/// step that the trace already holds for this phase are not measured again.</para>
/// <para>The probe runs in eval mode and without gradients; the model's previous mode is restored afterwards.</para>
/// </summary>
public sealed class TrajectoryRecorder
{
    private readonly IStanceProbe _probe;
    private readonly TraceWriter _writer;
    private readonly HashSet<int> _stepsInTrace;
    private int _resumeStep = -1;
    private readonly HashSet<int> _measuredElsewhere = [];

    public string Phase { get; }
    public ProbeSchedule Schedule { get; }

    /// <summary>Steps measured by this recorder, in order.</summary>
    public List<int> RecordedSteps { get; } = [];

    /// <summary>Steps skipped because the trace already held them (resumed run).</summary>
    public List<int> SkippedSteps { get; } = [];

    /// <summary>
    /// The policy the phase started from: when set and the probe is an <see cref="IDivergenceProbe"/>, every
    /// measurement also carries <c>kl_from_start</c>. Null: no divergence measured.
    /// </summary>
    public StartPolicy? Start { get; set; }

    /// <summary>
    /// Heard after each measurement of this phase is appended, with the probe's full result (the generation probe's
    /// judged answers too, which the trace does not keep).
    /// </summary>
    public event Action<int, ProbeResult>? Measured;

    public TrajectoryRecorder(IStanceProbe probe, TraceWriter writer, string phase, ProbeSchedule schedule)
    {
        if (string.IsNullOrWhiteSpace(phase)) throw new ArgumentException("a phase needs a name", nameof(phase));
        _probe = probe;
        _writer = writer;
        Phase = phase;
        Schedule = schedule;
        _stepsInTrace = File.Exists(writer.Path) && new FileInfo(writer.Path).Length > 0
            ? TraceReader.Read(writer.Path).Records.Where(r => r.Phase == phase).Select(r => r.Step).ToHashSet()
            : [];
    }

    /// <summary>Subscribes to the trainer's start and step events.</summary>
    public void Attach(ITrainingEvents trainer)
    {
        trainer.Started += OnStarted;
        trainer.StepEnded += OnStepEnded;
    }

    /// <summary>Unsubscribes from the trainer.</summary>
    public void Detach(ITrainingEvents trainer)
    {
        trainer.Started -= OnStarted;
        trainer.StepEnded -= OnStepEnded;
    }

    private void OnStarted(TrainingStartedEvent e)
    {
        _resumeStep = e.Resumed ? e.Step : -1;
        MaybeRecord(e.Policy, e.Step, e.MaxSteps);
    }

    private void OnStepEnded(StepEndedEvent e) => MaybeRecord(e.Policy, e.Step, e.MaxSteps);

    private void MaybeRecord(CausalLM model, int step, int maxSteps)
    {
        if (!Schedule.Includes(step, maxSteps)) return;
        if (_measuredElsewhere.Contains(step))
        {
            SkippedSteps.Add(step);
            return;
        }
        if (step <= _resumeStep && _stepsInTrace.Contains(step))
        {
            SkippedSteps.Add(step);
            return;
        }
        RecordNow(model, Phase, step);
    }

    /// <summary>
    /// Measures <paramref name="model"/> now and appends its records as (<paramref name="phase"/>, <paramref name="step"/>),
    /// e.g. the base model before any phase. Always measures, whatever the schedule and the trace hold.
    /// </summary>
    /// <summary>
    /// Appends records measured elsewhere for <paramref name="step"/> of this phase (relabelled with the phase and step)
    /// and skips that step when the trainer reaches it. Used for step 0 of a stage that starts from a checkpoint whose
    /// measurement is already in the trace: the probes are deterministic, so measuring it again would give the same.
    /// </summary>
    public void Reuse(int step, IEnumerable<TraceRecord> records)
    {
        _measuredElsewhere.Add(step);
        if (_stepsInTrace.Contains(step)) return;
        // The reused checkpoint is this phase's start: its divergence from the start is 0 by definition, whatever it
        // was from the previous phase's start.
        _writer.AppendAll(records.Select(r => r with { Phase = Phase, Step = step }).Select(r => Start is null || r.KlFromStart is null ? r : AtStart(r)));
        _stepsInTrace.Add(step);
        RecordedSteps.Add(step);
    }

    private static TraceRecord AtStart(TraceRecord r) => r with
    {
        KlFromStart = 0, KlFromStartCi = r.KlFromStartCi is null ? null : new Interval(0, 0),
        Questions = r.Questions?.Select(q => q.KlFromStart is null ? q : q with { KlFromStart = 0 }).ToList(),
    };

    public IReadOnlyList<TraceRecord> RecordNow(CausalLM model, string phase, int step)
    {
        var wasTraining = model.training;
        model.eval();
        ProbeResult result;
        try
        {
            using var _ = no_grad();
            result = Start is not null && _probe is IDivergenceProbe divergence ? divergence.Measure(model, Start) : _probe.Measure(model);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        var records = result.ToTraceRecords(phase, step);
        _writer.AppendAll(records);
        if (phase == Phase)
        {
            RecordedSteps.Add(step);
            _stepsInTrace.Add(step);
            Measured?.Invoke(step, result);
        }
        return records;
    }
}
