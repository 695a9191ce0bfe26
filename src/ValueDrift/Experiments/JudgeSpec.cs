using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>
/// A stance judge named in one string, as the CLI's <c>--judge</c> and a recipe's <c>probes.judge</c> give it:
/// <c>world</c> (the embedded world's exact judge), <c>local:DIR</c> (a judge checkpoint, <see cref="LocalModelJudge"/>)
/// or <c>endpoint:URL,MODEL</c> (an OpenAI-compatible chat endpoint, <see cref="ChatEndpointJudge"/>; the key is read
/// from VALUEDRIFT_JUDGE_API_KEY). The one place a judge is opened: the CLI's judge options, recipes and notebook
/// sessions all come here.
/// </summary>
public static class JudgeSpec
{
    public const string Forms = "world | local:DIR | endpoint:URL,MODEL";

    /// <summary>The judge a spec names and its judgement-cache identity (null for the world judge, which is exact and free).</summary>
    /// <param name="where">The option or key the spec came from, for messages.</param>
    /// <param name="noStanceLabel">Offer local and endpoint judges the fourth label "none" (off: the paper's three labels); the world judge always tells no-stance answers.</param>
    /// <param name="timeout">An endpoint's per-request timeout (<see cref="ChatEndpointJudgeOptions.RequestTimeout"/>; null: its default).</param>
    /// <param name="deadline">An endpoint's deadline per batch (<see cref="ChatEndpointJudgeOptions.Deadline"/>; null: none).</param>
    public static (IStanceJudge Judge, string? Identity) Parse(string spec, int concurrency = ChatEndpointJudgeOptions.DefaultMaxParallel, string where = "--judge",
        bool noStanceLabel = false, TimeSpan? timeout = null, TimeSpan? deadline = null)
    {
        spec = spec.Trim();
        if (spec.Equals("world", StringComparison.OrdinalIgnoreCase)) return (new WorldStanceJudge(), null);
        if (spec.StartsWith("local:", StringComparison.OrdinalIgnoreCase))
        {
            var dir = spec["local:".Length..];
            if (dir.Length == 0) throw new ValueDriftException($"{where} local:DIR needs a judge model folder");
            if (!Directory.Exists(dir)) throw new ConfigException(dir, "judge", "judge model folder not found");
            return (LocalModelJudge.FromFolder(dir, new LocalModelJudgeOptions { NoStanceLabel = noStanceLabel }), JudgementIdentity.LocalFolder(dir, noStanceLabel));
        }
        if (spec.StartsWith("endpoint:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = spec["endpoint:".Length..];
            var comma = rest.LastIndexOf(',');
            if (comma <= 0 || comma == rest.Length - 1)
                throw new ValueDriftException($"{where} endpoint:URL,MODEL needs both an endpoint URL and a model name (got '{spec}')");
            if (!Uri.TryCreate(rest[..comma], UriKind.Absolute, out var uri))
                throw new ValueDriftException($"{where}: '{rest[..comma]}' is not an absolute URL");
            var defaults = new ChatEndpointJudgeOptions();
            var judge = ChatEndpointJudge.ForOpenAICompatible(uri, rest[(comma + 1)..].Trim(),
                defaults with { MaxParallel = concurrency, NoStanceLabel = noStanceLabel, RequestTimeout = timeout ?? defaults.RequestTimeout, Deadline = deadline });
            return (judge, judge.Identity);
        }
        throw new ValueDriftException($"{where}: unknown judge '{spec}' (expected world, local:DIR or endpoint:URL,MODEL)");
    }

    /// <summary>
    /// The judge a spec names, its readings kept in the judgement cache at <paramref name="cacheDirectory"/> (none for
    /// the world judge, or when null). Dispose the result when it is disposable.
    /// </summary>
    public static IStanceJudge Open(string spec, string? cacheDirectory, int concurrency = ChatEndpointJudgeOptions.DefaultMaxParallel, string where = "--judge",
        bool noStanceLabel = false, TimeSpan? timeout = null, TimeSpan? deadline = null)
    {
        var (judge, identity) = Parse(spec, concurrency, where, noStanceLabel, timeout, deadline);
        return cacheDirectory is null || identity is null ? judge : new JudgementCachingJudge(judge, new JudgementCache(cacheDirectory), identity);
    }
}
