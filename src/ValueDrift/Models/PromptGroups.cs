namespace ValueDrift.Models;

/// <summary>
/// Rows that share a prompt, so the prompt runs through the model once for all of them (a probe's K answers to one
/// question, a question's reference answers): the first row of each distinct prompt, in order of first appearance,
/// and for every row the index of its prompt among those.
/// </summary>
public sealed record PromptGroups(long[] Firsts, long[] RowOf)
{
    public int Count => Firsts.Length;

    public static PromptGroups Of(IReadOnlyList<int[]> prompts)
    {
        var index = new Dictionary<string, long>();
        var firsts = new List<long>();
        var rowOf = new long[prompts.Count];
        for (int b = 0; b < prompts.Count; b++)
        {
            var key = string.Join(',', prompts[b]);
            if (!index.TryGetValue(key, out var u)) { u = firsts.Count; index[key] = u; firsts.Add(b); }
            rowOf[b] = u;
        }
        return new PromptGroups(firsts.ToArray(), rowOf);
    }
}
