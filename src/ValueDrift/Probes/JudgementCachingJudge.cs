namespace ValueDrift.Probes;

/// <summary>
/// A judge in front of a <see cref="JudgementCache"/>: readings found under the judge's identity and the exact prompt
/// are returned without asking; the rest are asked of the inner judge (one batch, its own concurrency and retries)
/// and each is stored as soon as it returns. Disposing it disposes the cache and, when disposable, the inner judge.
/// </summary>
public sealed class JudgementCachingJudge(IStanceJudge inner, JudgementCache cache, string identity) : IStanceJudge, IDisposable
{
    public IStanceJudge Inner => inner;
    public JudgementCache Cache => cache;
    public string Identity => identity;

    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => JudgeEach(items, (_, _) => { });

    /// <summary><see cref="JudgeEach(IReadOnlyList{JudgeItem})"/>, telling <paramref name="answered"/> of cached readings at once and of the others as each returns.</summary>
    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items, Action<int, Judgement> answered)
    {
        var keys = items.Select(i => JudgementIdentity.Key(identity, i)).ToArray();
        var result = new Judgement?[items.Count];
        var missing = new List<int>();
        for (var i = 0; i < items.Count; i++)
        {
            result[i] = cache.Get(keys[i]);
            if (result[i] is null) missing.Add(i);
            else answered(i, result[i]!);
        }
        if (missing.Count > 0)
        {
            // Each reading is stored the moment it returns: a probe killed mid-batch has paid for it and keeps it.
            var asked = inner.JudgeEach(missing.Select(i => items[i]).ToList(),
                (m, j) =>
                {
                    cache.Put(keys[missing[m]], identity, j);
                    answered(missing[m], j);
                });
            for (var m = 0; m < missing.Count; m++) result[missing[m]] = asked[m];
        }
        return result.Select(j => j!).ToList();
    }

    public void Dispose()
    {
        cache.Dispose();
        (inner as IDisposable)?.Dispose();
    }
}
