using System.CommandLine;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Cli.Commands;

/// <summary>
/// The judge options shared by the probing commands. <c>--judge</c>: <c>world</c> (the embedded world's exact judge,
/// only for the world's models and topics, and the default there), <c>local:DIR</c> (a judge checkpoint folder,
/// <see cref="LocalModelJudge"/>) or <c>endpoint:URL,MODEL</c> (an OpenAI-compatible chat endpoint,
/// <see cref="ChatEndpointJudge"/>; the key is read from VALUEDRIFT_JUDGE_API_KEY). Outside the world <c>--judge</c>
/// is required. <c>--judge-cache DIR</c> keeps the readings of local and endpoint judges on disk
/// (<see cref="JudgementCache"/>; a command may default it to its run folder); <c>--judge-concurrency N</c> bounds the
/// endpoint requests in flight; <c>--judge-no-stance-label</c> offers local and endpoint judges a fourth label, "none",
/// for answers that state no position (off by default: the paper's three labels), counted as unstanced.
/// </summary>
public sealed class JudgeOption
{
    /// <summary>Folder of the judgement cache inside a run folder.</summary>
    public const string CacheFolderName = RecipeRunner.JudgementCacheFolder;

    public Option<string?> Judge { get; } = new("--judge") { Description = "stance judge: endpoint:URL,MODEL | local:DIR | world (the embedded world only; its default)" };
    public Option<string?> Cache { get; } = new("--judge-cache") { Description = "folder of the judgement cache (readings reused by later probes)" };
    public Option<int> Concurrency { get; } = new("--judge-concurrency")
    {
        Description = "endpoint judge: requests in flight at once", DefaultValueFactory = _ => ChatEndpointJudgeOptions.DefaultMaxParallel,
    };

    public Option<bool> NoStanceLabel { get; } = new("--judge-no-stance-label")
    {
        Description = "local and endpoint judges: offer a fourth label, none, for answers that state no position (counted as unstanced; off: the paper's three labels)",
    };

    public Option<double> Timeout { get; } = new("--judge-timeout")
    {
        Description = "endpoint judge: seconds to wait for one reply before retrying it", DefaultValueFactory = _ => new ChatEndpointJudgeOptions().RequestTimeout.TotalSeconds,
    };
    public Option<double?> Deadline { get; } = new("--judge-deadline") { Description = "endpoint judge: seconds one probe's batch of answers may take in all; answers left then are counted unjudged (default: none)" };

    public static JudgeOption Create() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(Judge);
        command.Options.Add(Cache);
        command.Options.Add(Concurrency);
        command.Options.Add(NoStanceLabel);
        command.Options.Add(Timeout);
        command.Options.Add(Deadline);
    }

    /// <summary>
    /// The judge the options name, behind a judgement cache when one is given (<c>--judge-cache</c>, else
    /// <paramref name="defaultCacheDir"/>). Dispose the result when it is disposable.
    /// </summary>
    /// <param name="world">Whether the data belong to the embedded world (its models and topics): only then may the world judge read them.</param>
    public IStanceJudge Resolve(ParseResult r, bool world, string? defaultCacheDir = null)
    {
        var spec = r.GetValue(Judge)?.Trim();
        if (string.IsNullOrEmpty(spec))
            spec = world ? "world"
                : throw new ValueDriftException("--judge is required: these answers are not the embedded world's, so its judge cannot read them " +
                                                "(give --judge endpoint:URL,MODEL or --judge local:DIR)");
        var concurrency = r.GetValue(Concurrency);
        if (concurrency < 1) throw new ValueDriftException($"--judge-concurrency must be at least 1 (got {concurrency})");
        var timeout = r.GetValue(Timeout);
        if (!(timeout > 0) || double.IsInfinity(timeout)) throw new ValueDriftException($"--judge-timeout must be a positive number of seconds (got {timeout})");
        var deadline = r.GetValue(Deadline);
        if (deadline is { } dl && (!(dl > 0) || double.IsInfinity(dl))) throw new ValueDriftException($"--judge-deadline must be a positive number of seconds (got {dl})");
        // The world judge is exact and free: JudgeSpec.Open gives it no cache.
        var judge = JudgeSpec.Open(spec, r.GetValue(Cache) ?? defaultCacheDir, concurrency, noStanceLabel: r.GetValue(NoStanceLabel),
            timeout: TimeSpan.FromSeconds(timeout), deadline: deadline is { } s ? TimeSpan.FromSeconds(s) : null);
        if (judge is WorldStanceJudge && !world)
            throw new ValueDriftException("--judge world reads only the embedded world's answers (its models and topics); give --judge endpoint:URL,MODEL or --judge local:DIR");
        return judge;
    }

    /// <summary>Whether every topic is one of the embedded world's.</summary>
    public static bool AllWorldTopics(IEnumerable<string> topics) => topics.All(t => WorldTopics.TryFind(t) is not null);

    /// <summary>One line on the cache's use, or null when there is no cache.</summary>
    public static string? CacheSummary(IStanceJudge judge) => judge is JudgementCachingJudge c
        ? FormattableString.Invariant($"judge cache: {c.Cache.Hits} cached, {c.Cache.Misses} asked (hit rate {c.Cache.HitRate * 100:0}%) in {c.Cache.Path}")
        : null;

    /// <summary>Whether the judge is an endpoint's (behind a cache or not).</summary>
    public static bool IsEndpoint(IStanceJudge judge) => (judge is JudgementCachingJudge c ? c.Inner : judge) is ChatEndpointJudge;

    /// <summary>Whether the judge asks its endpoint for log-probs (so a text readout means they were not returned).</summary>
    public static bool AsksForLogProbs(IStanceJudge judge) =>
        (judge is JudgementCachingJudge c ? c.Inner : judge) is ChatEndpointJudge { Options.RequestLogProbs: true };
}
