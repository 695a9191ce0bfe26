using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// A judge that reports, per answer, how it read the stance or why it could not, instead of failing the whole batch
/// for one answer. <see cref="GenerationProbe"/> uses it to skip and count unjudged answers.
/// </summary>
public interface IJudgementSource
{
    /// <summary>One <see cref="Judgement"/> per item, in order. One answer's failure is a failed judgement, not an exception.</summary>
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
}

/// <summary>Adapts any <see cref="IStanceJudge"/> to <see cref="IJudgementSource"/>.</summary>
public static class JudgementSource
{
    /// <summary>The judge itself when it reports per answer; otherwise a wrapper that judges item by item after a failed batch.</summary>
    public static IJudgementSource For(IStanceJudge judge) => judge as IJudgementSource ?? new PerItem(judge);

    /// <summary>The readout a judge that is not an endpoint uses: the world judge's exact reading, a local judge's label log-probs.</summary>
    public static JudgeReadout ReadoutOf(IStanceJudge judge) => judge.Readout;

    private sealed class PerItem(IStanceJudge judge) : IJudgementSource
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items)
        {
            var readout = ReadoutOf(judge);
            try { return judge.JudgeMany(items).Select(d => new Judgement(d, readout)).ToList(); }
            catch (ValueDriftException e) when (e is not ConfigException && items.Count > 1)
            {   // One bad item failed the batch: judge one by one so the others still count.
                return items.Select(i =>
                {
                    try { return new Judgement(judge.Judge(i.Topic, i.Question, i.Answer), readout); }
                    catch (ValueDriftException e) when (e is not ConfigException) { return Judgement.Failed(e.Message); }
                }).ToList();
            }
            catch (ValueDriftException e) when (e is not ConfigException) { return [Judgement.Failed(e.Message)]; }
        }
    }
}
