using ValueDrift.Probes;

namespace ValueDrift.Drift;

/// <summary>A topic's stance distribution at one step of a phase, with the detail it was computed from.</summary>
public sealed record TrajectoryPoint(int Step, StanceDistribution Value, int N, IReadOnlyList<QuestionDetail>? Questions = null)
{
    public double this[Stance s] => Value[s];

    /// <summary>Answer health at this step (generation probes); null where the trace has none.</summary>
    public AnswerHealth? Health { get; init; }

    /// <summary>KL(π_θ ‖ π_start) of this checkpoint from its phase's start, nats per answer; null where not measured.</summary>
    public double? KlFromStart { get; init; }

    /// <summary>The interval of <see cref="KlFromStart"/> over questions; null where there is none.</summary>
    public Interval? KlFromStartCi { get; init; }

    /// <summary>
    /// The value among stance-taking answers: the mean over questions with at least one of each question's
    /// <see cref="QuestionDetail.Stanced"/> (questions weigh the same, as in <see cref="Value"/>). Null when a question
    /// lacks the stanced detail (older traces, probes without answers) or no answer took a stance.
    /// </summary>
    public StanceDistribution? Stanced =>
        Questions is not { Count: > 0 } qs || qs.Any(q => q.StancedN is null) || qs.All(q => q.StancedN == 0)
            ? null
            : StanceDistribution.Mean(qs.Where(q => q.StancedN > 0).Select(q => q.Stanced!));
}

/// <summary>
/// Stance distributions per phase, per topic, per step: the in-memory view of a trace. Phases and topics keep
/// the order in which they first appear; points within a (phase, topic) are sorted by step. If a step is recorded
/// twice for the same phase and topic (a probe re-run after a resume), the later record wins.
/// </summary>
public sealed class Trajectory
{
    private readonly Dictionary<string, Dictionary<string, SortedDictionary<int, TrajectoryPoint>>> _data = new(StringComparer.Ordinal);
    private readonly List<string> _phases = [];
    private readonly List<string> _topics = [];

    /// <summary>Phases in order of first appearance.</summary>
    public IReadOnlyList<string> Phases => _phases;

    /// <summary>Topics over all phases, in order of first appearance.</summary>
    public IReadOnlyList<string> Topics => _topics;

    public Trajectory(IEnumerable<TraceRecord> records)
    {
        foreach (var r in records) Add(r);
    }

    /// <summary>Reads a trace file (see <see cref="TraceReader"/>).</summary>
    public static Trajectory FromTrace(string path) => new(TraceReader.Read(path).Records);

    private void Add(TraceRecord r)
    {
        if (!_data.TryGetValue(r.Phase, out var topics))
        {
            _data[r.Phase] = topics = new(StringComparer.Ordinal);
            _phases.Add(r.Phase);
        }
        if (!topics.TryGetValue(r.Topic, out var points)) topics[r.Topic] = points = [];
        if (!_topics.Contains(r.Topic)) _topics.Add(r.Topic);
        points[r.Step] = new TrajectoryPoint(r.Step, r.Value, r.N, r.Questions) { Health = r.Health, KlFromStart = r.KlFromStart, KlFromStartCi = r.KlFromStartCi };
    }

    /// <summary>Topics measured in a phase, in order of first appearance overall.</summary>
    public IReadOnlyList<string> TopicsIn(string phase) =>
        _data.TryGetValue(phase, out var t) ? _topics.Where(t.ContainsKey).ToList() : [];

    /// <summary>The points of a (phase, topic), sorted by step; empty when absent.</summary>
    public IReadOnlyList<TrajectoryPoint> Series(string phase, string topic) =>
        _data.TryGetValue(phase, out var t) && t.TryGetValue(topic, out var p) ? p.Values.ToList() : [];

    /// <summary>First and last step recorded in a phase (over all topics).</summary>
    public (int First, int Last) StepRange(string phase)
    {
        if (!_data.TryGetValue(phase, out var t) || t.Count == 0) throw new KeyNotFoundException($"phase '{phase}' is not in the trajectory");
        return (t.Values.Min(p => p.Keys.First()), t.Values.Max(p => p.Keys.Last()));
    }

    /// <summary>
    /// Offset that puts a phase's steps on one global axis across phases (step + offset). Phases that count steps
    /// from their own start (e.g. SFT 0..1000, then DPO 0..500) are laid end to end: a phase starting at or before
    /// the previous phase's last global step is shifted so its first step lands on that last step (the phase starts
    /// from the checkpoint the previous one ended with). Phases whose steps already continue the count get offset 0.
    /// </summary>
    public int GlobalOffset(string phase)
    {
        var offset = 0;
        int? previousEnd = null;
        foreach (var p in _phases)
        {
            var (first, last) = StepRange(p);
            offset = previousEnd is { } end && first < end ? end - first : 0;
            if (p == phase) return offset;
            previousEnd = last + offset;
        }
        throw new KeyNotFoundException($"phase '{phase}' is not in the trajectory");
    }

    /// <summary>All points as flat records, phase by phase, topic by topic, step by step.</summary>
    public IEnumerable<TraceRecord> Records() =>
        from phase in _phases
        from topic in TopicsIn(phase)
        from point in Series(phase, topic)
        select new TraceRecord(phase, point.Step, topic, point.Value, point.N, point.Questions)
        {
            Health = point.Health, KlFromStart = point.KlFromStart, KlFromStartCi = point.KlFromStartCi,
        };
}
