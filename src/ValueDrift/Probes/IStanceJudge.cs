using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>One thing to judge: an answer to a question on a topic.</summary>
public sealed record JudgeItem(string Topic, string Question, string Answer);

/// <summary>
/// Reads the stance an answer takes: p(s | x, y, T) in the paper, for s in {support, neutral, oppose}. Per answer it
/// gives a <see cref="Judgement"/>: the distribution and how it was read, or, when the judge could not read that
/// answer (no label in the reply, an endpoint still failing after its retries), why not — so one bad answer costs
/// that answer only, and a probe skips and counts it. Judges must be deterministic for a fixed input where their
/// backend allows it (temperature 0), because drift is measured as differences between checkpoints and judge noise
/// would read as drift. Callers that need every answer read use <see cref="StanceJudgeReadings.Judge"/> and
/// <see cref="StanceJudgeReadings.JudgeMany"/>.
/// </summary>
public interface IStanceJudge
{
    /// <summary>
    /// One <see cref="Judgement"/> per item, in order. One answer's failure is a failed judgement
    /// (<see cref="Judgement.Failed"/>), not an exception; a <see cref="ConfigException"/> (the judge cannot read
    /// these items at all: a topic not the world's, a prompt its model cannot encode) fails the batch.
    /// </summary>
    IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items);

    /// <summary>
    /// <see cref="JudgeEach(IReadOnlyList{JudgeItem})"/>, calling <paramref name="answered"/> (item index, judgement)
    /// as each answer's judgement is known, so a caller can keep a paid reading before the rest of the batch returns.
    /// Judges that answer a batch at once call it after the batch. It may be called from several threads.
    /// </summary>
    IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items, Action<int, Judgement> answered)
    {
        var all = JudgeEach(items);
        for (var i = 0; i < all.Count; i++) answered(i, all[i]);
        return all;
    }

    /// <summary>
    /// The order in which this judge's prompt lists the labels for a question (see <see cref="JudgePrompt.LabelOrder"/>),
    /// recorded by probes; null for judges without a prompt.
    /// </summary>
    IReadOnlyList<Stance>? LabelOrder(string topic, string question) => null;
}

/// <summary>Readings for callers that need every answer read (the value gap, judge agreement): an unread answer is an error.</summary>
public static class StanceJudgeReadings
{
    /// <summary>The stance distribution of <paramref name="answer"/> to <paramref name="question"/> on <paramref name="topic"/>.</summary>
    /// <exception cref="ValueDriftException">The judge could not read it (the message is the judge's problem).</exception>
    public static StanceDistribution Judge(this IStanceJudge judge, string topic, string question, string answer) =>
        judge.JudgeMany([new JudgeItem(topic, question, answer)])[0];

    /// <summary>The distributions of many items, in order, judged in one <see cref="IStanceJudge.JudgeEach(IReadOnlyList{JudgeItem})"/> call.</summary>
    /// <exception cref="ValueDriftException">The judge could not read one of them (the message is the first such problem).</exception>
    public static IReadOnlyList<StanceDistribution> JudgeMany(this IStanceJudge judge, IReadOnlyList<JudgeItem> items) =>
        judge.JudgeEach(items).Select(j => j.Distribution ?? throw new ValueDriftException(j.Problem ?? "the judge gave no reading")).ToList();
}
