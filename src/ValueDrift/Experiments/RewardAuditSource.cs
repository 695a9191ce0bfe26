using ValueDrift.Probes;

namespace ValueDrift.Experiments;

/// <summary>
/// What a reward-model audit (<see cref="RewardAudit"/>) scores: held-out answers of known stance to probe questions,
/// and a way to tell the stance of a training pair's answers, so the audit can say which stance comparisons the
/// reward model's pairs ever made. <see cref="Source"/> names where the answers come from, for the file and report.
/// <list type="bullet">
/// <item>World: the world's held-out reference answers of each stance for the probe questions, and the world's exact
/// marker judge for the pairs (<c>WorldRuns.WorldRewardAudit.Source</c>).</item>
/// <item>Real data: the start checkpoint's probe answers with the judge's reading (<see cref="FromJudged"/>).</item>
/// </list>
/// </summary>
/// <param name="Answers">Answers with their stance (Gold), grouped by question id (Id) and topic.</param>
/// <param name="PairStance">The stance of one answer text of a training pair on a topic (null: none or unknown); null: the pairs' stances are not known.</param>
public sealed record RewardAuditSource(IReadOnlyList<LabelledAnswer> Answers, Func<string?, string, Stance?>? PairStance, string Source)
{
    /// <summary>
    /// Probe answers judged at the start checkpoint, each labelled with its most probable stance (answers whose reading
    /// gives no single most probable stance are left out): the real-data source, whose answers are the model's own.
    /// </summary>
    public static RewardAuditSource FromJudged(IEnumerable<(ProbeQuestion Question, string Answer, StanceDistribution Reading)> judged,
        Func<string?, string, Stance?>? pairStance, string source = StartAnswersSourceName)
    {
        var answers = judged.Select(x => new JudgedAnswer(x.Question, 0, x.Answer, x.Reading, Stanced: true).Labelled()).OfType<LabelledAnswer>().ToList();
        return new RewardAuditSource(answers, pairStance, source);
    }

    /// <summary>
    /// <see cref="FromJudged(IEnumerable{ValueTuple{ProbeQuestion, string, StanceDistribution}}, Func{string?, string, Stance?}?, string)"/>
    /// of a generation probe's judged answers (<see cref="TopicMeasurement.JudgedAnswers"/>), those the judge placed on
    /// no stance left out: the audit is of answers of known stance.
    /// </summary>
    public static RewardAuditSource FromJudged(IEnumerable<JudgedAnswer> judged, Func<string?, string, Stance?>? pairStance, string source = StartAnswersSourceName) =>
        new(judged.Select(a => a.Labelled()).OfType<LabelledAnswer>().ToList(), pairStance, source);

    /// <summary>The source name of an audit on the start checkpoint's judged probe answers (real data).</summary>
    public const string StartAnswersSourceName = "start checkpoint's judged probe answers";
}
