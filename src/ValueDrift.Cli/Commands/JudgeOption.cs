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
/// for answers that state no position (off by default: the paper's three labels), counted as unstanced. The options
/// are parsed into a <see cref="JudgeSpec"/>, which opens the judge; the defaults shown are the judge's own.
/// </summary>
public sealed class JudgeOption
{
    /// <summary>Folder of the judgement cache inside a run folder.</summary>
    public const string CacheFolderName = RecipeRunner.JudgementCacheFolder;

    public Option<string?> Judge { get; } = new("--judge") { Description = "stance judge: endpoint:URL,MODEL | local:DIR | world (the embedded world only; its default)" };
    public Option<string?> Cache { get; } = new("--judge-cache") { Description = "folder of the judgement cache (readings reused by later probes)" };
    // The endpoint judge's own defaults, shown in the help; the judge applies them when an option is not given.
    private static readonly ChatEndpointJudgeOptions EndpointDefaults = new();

    public Option<int?> Concurrency { get; } = new("--judge-concurrency")
    {
        Description = $"endpoint judge: requests in flight at once (default {EndpointDefaults.MaxParallel})",
    };

    public Option<bool> NoStanceLabel { get; } = new("--judge-no-stance-label")
    {
        Description = "local and endpoint judges: offer a fourth label, none, for answers that state no position (counted as unstanced; off: the paper's three labels)",
    };

    public Option<double?> Timeout { get; } = new("--judge-timeout")
    {
        Description = $"endpoint judge: seconds to wait for one reply before retrying it (default {EndpointDefaults.RequestTimeout.TotalSeconds:0})",
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
    /// The judge the options name (see <see cref="Spec"/>), opened by <see cref="JudgeSpec.Open()"/>. Dispose the
    /// result when it is disposable.
    /// </summary>
    public IStanceJudge Resolve(ParseResult r, bool world, string? defaultCacheDir = null) => Spec(r, world, defaultCacheDir).Open();

    /// <summary>
    /// The judge the options name, its readings cached in <c>--judge-cache</c>, else <paramref name="defaultCacheDir"/>.
    /// Without <c>--judge</c> the world's answers are read by the world judge; any others need one named.
    /// </summary>
    /// <param name="world">Whether the data belong to the embedded world (its models and topics): only then may the world judge read them.</param>
    public JudgeSpec Spec(ParseResult r, bool world, string? defaultCacheDir = null)
    {
        var name = r.GetValue(Judge)?.Trim();
        if (string.IsNullOrEmpty(name))
            name = world ? "world"
                : throw new ValueDriftException("--judge is required: these answers are not the embedded world's, so its judge cannot read them " +
                                                "(give --judge endpoint:URL,MODEL or --judge local:DIR)");
        var spec = new JudgeSpec(name)
        {
            CacheDirectory = r.GetValue(Cache) ?? defaultCacheDir, NoStanceLabel = r.GetValue(NoStanceLabel), Concurrency = r.GetValue(Concurrency),
            Timeout = Seconds(r, Timeout), Deadline = Seconds(r, Deadline),
        };
        if (spec.IsWorld && !world)
            throw new ValueDriftException("--judge world reads only the embedded world's answers (its models and topics); give --judge endpoint:URL,MODEL or --judge local:DIR");
        return spec;
    }

    /// <summary>A number of seconds given on the command line as a time span (null when not given).</summary>
    private static TimeSpan? Seconds(ParseResult r, Option<double?> option) => r.GetValue(option) switch
    {
        null => null,
        var s when s > 0 && double.IsFinite(s.Value) => TimeSpan.FromSeconds(s.Value),
        var s => throw new ValueDriftException($"{option.Name} must be a positive number of seconds (got {s})"),
    };

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
