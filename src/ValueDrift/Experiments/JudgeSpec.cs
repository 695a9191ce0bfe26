using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.World;

namespace ValueDrift.Experiments;

/// <summary>
/// A stance judge named in one string, as the CLI's <c>--judge</c> and a recipe's <c>probes.judge</c> give it:
/// <c>world</c> (the embedded world's exact judge), <c>local:DIR</c> (a judge checkpoint, <see cref="LocalModelJudge"/>)
/// or <c>endpoint:URL,MODEL</c> (an OpenAI-compatible chat endpoint, <see cref="ChatEndpointJudge"/>; the key is read
/// from VALUEDRIFT_JUDGE_API_KEY), with the settings that go with it. <see cref="Open()"/> is the one place a judge is
/// opened: the CLI parses its judge options into a spec, recipes and notebook sessions name one, and all open it here.
/// A setting left null is the judge's own default (<see cref="ChatEndpointJudgeOptions"/>), written there only.
/// </summary>
/// <param name="Name">world | local:DIR | endpoint:URL,MODEL (<see cref="Forms"/>).</param>
public sealed record JudgeSpec(string Name)
{
    public const string Forms = "world | local:DIR | endpoint:URL,MODEL";

    /// <summary>The option or key the spec came from, for messages (<c>--judge</c>, <c>probes.judge</c>).</summary>
    public string Where { get; init; } = "--judge";

    /// <summary>The judgement cache's folder (<see cref="JudgementCache"/>): readings of local and endpoint judges are kept there; null: none.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Offer local and endpoint judges the fourth label "none" (off: the paper's three labels); the world judge always tells no-stance answers.</summary>
    public bool NoStanceLabel { get; init; }

    /// <summary>An endpoint's requests in flight at once (<see cref="ChatEndpointJudgeOptions.MaxParallel"/>); null: its default.</summary>
    public int? Concurrency { get; init; }

    /// <summary>An endpoint's per-request timeout (<see cref="ChatEndpointJudgeOptions.RequestTimeout"/>); null: its default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>An endpoint's deadline per batch (<see cref="ChatEndpointJudgeOptions.Deadline"/>); null: its default (none).</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>True for the embedded world's exact judge, which reads only the world's answers (its models and topics).</summary>
    public bool IsWorld => Name.Trim().Equals("world", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The judge this spec names, behind the judgement cache at <see cref="CacheDirectory"/> when one is given (never
    /// for the world judge, which is exact and free). Dispose the result when it is disposable.
    /// </summary>
    public IStanceJudge Open()
    {
        Validate();
        var (judge, identity) = Parse();
        return CacheDirectory is null || identity is null ? judge : new JudgementCachingJudge(judge, new JudgementCache(CacheDirectory), identity);
    }

    /// <summary>Shorthand: the judge <paramref name="name"/> names, with every other setting its default, cached at <paramref name="cacheDirectory"/>.</summary>
    public static IStanceJudge Open(string name, string? cacheDirectory, string where = "--judge") =>
        new JudgeSpec(name) { CacheDirectory = cacheDirectory, Where = where }.Open();

    /// <summary>Refuses settings no judge can use, before anything is loaded.</summary>
    private void Validate()
    {
        if (Concurrency is < 1) throw new ValueDriftException($"judge concurrency (--judge-concurrency) must be at least 1 (got {Concurrency})");
        if (Timeout is { } t && t <= TimeSpan.Zero) throw new ValueDriftException($"judge timeout (--judge-timeout) must be a positive number of seconds (got {t.TotalSeconds})");
        if (Deadline is { } d && d <= TimeSpan.Zero) throw new ValueDriftException($"judge deadline (--judge-deadline) must be a positive number of seconds (got {d.TotalSeconds})");
    }

    /// <summary>The judge and its judgement-cache identity (null for the world judge).</summary>
    private (IStanceJudge Judge, string? Identity) Parse()
    {
        var spec = Name.Trim();
        if (IsWorld) return (new WorldStanceJudge(), null);
        if (spec.StartsWith("local:", StringComparison.OrdinalIgnoreCase))
        {
            var dir = spec["local:".Length..];
            if (dir.Length == 0) throw new ValueDriftException($"{Where} local:DIR needs a judge model folder");
            if (!Directory.Exists(dir)) throw new ConfigException(dir, "judge", "judge model folder not found");
            return (LocalModelJudge.FromFolder(dir, new LocalModelJudgeOptions { NoStanceLabel = NoStanceLabel }), JudgementIdentity.LocalFolder(dir, NoStanceLabel));
        }
        if (spec.StartsWith("endpoint:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = spec["endpoint:".Length..];
            var comma = rest.LastIndexOf(',');
            if (comma <= 0 || comma == rest.Length - 1)
                throw new ValueDriftException($"{Where} endpoint:URL,MODEL needs both an endpoint URL and a model name (got '{spec}')");
            if (!Uri.TryCreate(rest[..comma], UriKind.Absolute, out var uri))
                throw new ValueDriftException($"{Where}: '{rest[..comma]}' is not an absolute URL");
            var defaults = new ChatEndpointJudgeOptions();
            var judge = ChatEndpointJudge.ForOpenAICompatible(uri, rest[(comma + 1)..].Trim(), defaults with
            {
                MaxParallel = Concurrency ?? defaults.MaxParallel, NoStanceLabel = NoStanceLabel,
                RequestTimeout = Timeout ?? defaults.RequestTimeout, Deadline = Deadline ?? defaults.Deadline,
            });
            return (judge, judge.Identity);
        }
        throw new ValueDriftException($"{Where}: unknown judge '{spec}' (expected world, local:DIR or endpoint:URL,MODEL)");
    }
}
