using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ValueDrift.Errors;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ValueDrift.Probes;

/// <summary>Settings of a <see cref="ChatEndpointJudge"/>.</summary>
public sealed record ChatEndpointJudgeOptions
{
    /// <summary>Default name of the environment variable holding the endpoint's API key.</summary>
    public const string DefaultApiKeyVariable = "VALUEDRIFT_JUDGE_API_KEY";

    /// <summary>NAME of the environment variable holding the API key (the key itself is never stored in options).</summary>
    public string ApiKeyVariable { get; init; } = DefaultApiKeyVariable;

    /// <summary>Ask the endpoint for the log-probs of the first reply token (OpenAI-style <c>logprobs</c>/<c>top_logprobs</c>).</summary>
    public bool RequestLogProbs { get; init; } = true;

    /// <summary>How many alternatives per token to ask for; 20 is OpenAI's maximum and enough to hold all three labels.</summary>
    public int TopLogProbs { get; init; } = 20;

    /// <summary>Reply length cap: one label needs a few tokens at most.</summary>
    public int MaxOutputTokens { get; init; } = 5;

    /// <summary>
    /// Smoothing ε of the text path: a reply naming stance s becomes (1 − ε)·onehot(s) + ε/3, so a label read from
    /// text is never a certainty of exactly 1 (which would make later log-based comparisons infinite) and is visibly
    /// coarser than a log-prob reading. Default 0.03 (p = 0.98 / 0.01 / 0.01).
    /// </summary>
    public double TextSmoothing { get; init; } = 0.03;

    /// <summary>
    /// Offer the judge a fourth label, "none" (<see cref="JudgePrompt.NoStanceLabel"/>), for answers that state no
    /// position at all. Off by default: the paper's protocol has three labels. When on, an answer read as "none" (its
    /// log-prob above each stance's, or the reply's label) is counted unstanced; its distribution is the soft-max over
    /// the three stance labels (uniform for a text reply), so it still counts in the all-answer value. A reply whose
    /// label alternatives lack "none" is read as usual and counted (<see cref="Judgement.NoStanceLabelAbsent"/>), not fatal.
    /// </summary>
    public bool NoStanceLabel { get; init; }

    /// <summary>Requests in flight at once in <see cref="ChatEndpointJudge.JudgeEach"/> (<c>--judge-concurrency</c>).</summary>
    public int MaxParallel { get; init; } = 4;

    /// <summary>
    /// Tries per answer in <see cref="ChatEndpointJudge.JudgeEach"/>: a reply without a label, or a call still failing
    /// after the client's own retries (429/5xx with backoff), is asked again up to this many times in all; then the
    /// answer is left unjudged.
    /// </summary>
    public int AnswerAttempts { get; init; } = 2;

    /// <summary>
    /// Longest wait for one request's reply (<c>--judge-timeout</c>); the client retries a timed-out request like a
    /// 5xx. Default 60 s: a label takes a judge well under a second, and a silent endpoint no longer stalls a probe for
    /// minutes per answer.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest time one batch of answers may take in all (<c>--judge-deadline</c>); answers still unjudged then are
    /// failed judgements naming the deadline (skipped and counted like any other). Null: no deadline.
    /// </summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>Largest reply accepted (<see cref="ResponseSizeLimit"/>, 16 MiB): a label takes a few kilobytes.</summary>
    public long MaxResponseBytes { get; init; } = ResponseSizeLimit.DefaultMaxBytes;
}

/// <summary>How a judge reading was obtained.</summary>
public enum JudgeReadout
{
    /// <summary>Soft-max over the three labels' first-token log-probs.</summary>
    LogProbs,
    /// <summary>The label parsed from the reply text, one-hot with smoothing.</summary>
    Text,
    /// <summary>The embedded world's exact judge (its stance markers counted).</summary>
    Exact,
}

/// <summary>The readouts' names in traces.</summary>
public static class JudgeReadouts
{
    public static string Name(this JudgeReadout r) => r switch
    {
        JudgeReadout.LogProbs => "logprobs",
        JudgeReadout.Text => "text",
        _ => "exact",
    };

    public static JudgeReadout? Parse(string name) => name switch
    {
        "logprobs" => JudgeReadout.LogProbs,
        "text" => JudgeReadout.Text,
        "exact" => JudgeReadout.Exact,
        _ => null,
    };
}

/// <summary>A judge's reading of one answer, with how it was obtained and the raw reply.</summary>
public sealed record JudgeReading(StanceDistribution Distribution, JudgeReadout Readout, string Reply)
{
    /// <summary>False when the judge read the no-stance label (asked for with <see cref="ChatEndpointJudgeOptions.NoStanceLabel"/>).</summary>
    public bool Stanced { get; init; } = true;

    /// <summary>The no-stance label was asked for, but the reply's label alternatives did not include it.</summary>
    public bool NoStanceLabelAbsent { get; init; }
}

/// <summary>
/// A stance judge behind a chat endpoint (<see cref="IChatClient"/>): OpenAI, or an OpenAI-compatible server such
/// as vLLM or Ollama. It sends <see cref="JudgePrompt"/> at temperature 0 and
/// <list type="number">
/// <item>when the reply carries log-probs, takes the top log-probs of the first non-blank reply token, maps each
/// alternative token to the label it begins (case and surrounding spaces/quotes ignored; "opp" counts for oppose),
/// combines alternatives of one label by log-sum-exp, and soft-maxes over the three labels — the paper's readout.
/// A label absent from the top list gets the smallest listed log-prob, an upper bound on its true value;</item>
/// <item>otherwise parses the first label word in the reply, one-hot smoothed by <see cref="ChatEndpointJudgeOptions.TextSmoothing"/>.</item>
/// </list>
/// The API key is read from the environment variable named in the options; it is never printed, and any exception
/// passing through the judge is re-thrown with the key scrubbed from its text.
/// </summary>
public sealed class ChatEndpointJudge : IStanceJudge
{
    private static readonly Regex LabelWord = JudgeLabels.Word;

    private readonly IChatClient _client;
    private readonly string? _secret;

    public ChatEndpointJudgeOptions Options { get; }

    /// <summary>What the judge is, for the judgement cache (endpoint, model, prompt version; never the key); null when unknown.</summary>
    public string? Identity { get; }

    /// <summary>The endpoint's URL, named in every failure; null for a judge over a chat client of unknown address.</summary>
    public string? Endpoint { get; init; }

    /// <summary>A judge over any chat client. The key variable is still read, so its value can be scrubbed from errors.</summary>
    /// <param name="identity">Names the judge in a <see cref="JudgementCache"/>; see <see cref="JudgementIdentity"/>.</param>
    public ChatEndpointJudge(IChatClient client, ChatEndpointJudgeOptions? options = null, string? identity = null)
    {
        _client = client;
        Identity = identity;
        Options = options ?? new ChatEndpointJudgeOptions();
        if (Options.MaxParallel < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.MaxParallel, "MaxParallel must be at least 1");
        if (Options.AnswerAttempts < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.AnswerAttempts, "AnswerAttempts must be at least 1");
        if (Options.TextSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), Options.TextSmoothing, "TextSmoothing must be in [0, 1)");
        _secret = Environment.GetEnvironmentVariable(Options.ApiKeyVariable);
    }

    /// <summary>
    /// A judge on an OpenAI-compatible endpoint, e.g. <c>http://localhost:8000/v1</c> (vLLM),
    /// <c>http://localhost:11434/v1</c> (Ollama) or <c>https://api.openai.com/v1</c>. The key comes from the
    /// environment variable named by <see cref="ChatEndpointJudgeOptions.ApiKeyVariable"/>; when it is unset a
    /// placeholder is sent, which local servers ignore.
    /// </summary>
    /// <param name="http">An HttpClient to send requests through (proxies, timeouts, tests); when null, one whose replies are capped at <see cref="ChatEndpointJudgeOptions.MaxResponseBytes"/>.</param>
    public static ChatEndpointJudge ForOpenAICompatible(Uri endpoint, string model, ChatEndpointJudgeOptions? options = null, HttpClient? http = null)
    {
        options ??= new ChatEndpointJudgeOptions();
        var key = Environment.GetEnvironmentVariable(options.ApiKeyVariable);
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(key) ? "unused" : key);
        if (options.RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), options.RequestTimeout, "RequestTimeout must be positive");
        var clientOptions = new OpenAIClientOptions { Endpoint = endpoint, NetworkTimeout = options.RequestTimeout };
        // The request timeout is the pipeline's (NetworkTimeout), so the HttpClient's own is off.
        http ??= new HttpClient(new ResponseSizeLimit(options.MaxResponseBytes)) { Timeout = Timeout.InfiniteTimeSpan };
        clientOptions.Transport = new HttpClientPipelineTransport(http);
        var client = new ChatClient(model, credential, clientOptions).AsIChatClient();
        return new ChatEndpointJudge(client, options, JudgementIdentity.Endpoint(endpoint, model, options)) { Endpoint = endpoint.ToString() };
    }

    /// <summary>Judges one item and says how the reading was obtained (one try; an unusable reply is an exception).</summary>
    public JudgeReading Read(JudgeItem item) => ReadAsync(item).GetAwaiter().GetResult();

    /// <summary>
    /// Reads items concurrently (at most <see cref="ChatEndpointJudgeOptions.MaxParallel"/> at once), results in input
    /// order, each with its reply; one try each, and an unusable reply fails the whole call (<see cref="JudgeEachAsync"/> does not).
    /// </summary>
    public async Task<IReadOnlyList<JudgeReading>> ReadManyAsync(IReadOnlyList<JudgeItem> items, CancellationToken ct = default)
    {
        using var gate = new SemaphoreSlim(Options.MaxParallel);
        var tasks = items.Select(async item =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try { return await ReadAsync(item, ct).ConfigureAwait(false); }
            finally { gate.Release(); }
        }).ToList();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => JudgeEachAsync(items).GetAwaiter().GetResult();

    /// <summary><see cref="JudgeEachAsync"/>, telling <paramref name="answered"/> of each answer as it comes back (a judgement cache keeps it at once).</summary>
    public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items, Action<int, Judgement> answered) =>
        JudgeEachAsync(items, default, answered).GetAwaiter().GetResult();

    /// <summary>
    /// Judges items concurrently (at most <see cref="ChatEndpointJudgeOptions.MaxParallel"/> at once), results in input
    /// order; an answer still without a reading after <see cref="ChatEndpointJudgeOptions.AnswerAttempts"/> tries is a
    /// failed <see cref="Judgement"/> naming the problem, and the others are unaffected.
    /// </summary>
    public async Task<IReadOnlyList<Judgement>> JudgeEachAsync(IReadOnlyList<JudgeItem> items, CancellationToken ct = default,
        Action<int, Judgement>? answered = null)
    {
        using var gate = new SemaphoreSlim(Options.MaxParallel);
        using var deadline = Options.Deadline is { } d ? CancellationTokenSource.CreateLinkedTokenSource(ct) : null;
        deadline?.CancelAfter(Options.Deadline!.Value);
        var tasks = items.Select(async (item, index) =>
        {
            Judgement judgement;
            try { judgement = await JudgeOneAsync(item, gate, deadline?.Token ?? ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (deadline is { IsCancellationRequested: true } && !ct.IsCancellationRequested)
            {
                judgement = Judgement.Failed($"the judge's deadline of {Options.Deadline!.Value.TotalSeconds:0} s passed before this answer was judged (--judge-deadline)");
            }
            answered?.Invoke(index, judgement);
            return judgement;
        }).ToList();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task<Judgement> JudgeOneAsync(JudgeItem item, SemaphoreSlim gate, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            string problem = "";
            for (var attempt = 0; attempt < Options.AnswerAttempts; attempt++)
            {
                try
                {
                    var r = await ReadAsync(item, ct).ConfigureAwait(false);
                    return new Judgement(r.Distribution, r.Readout) { Stanced = r.Stanced, NoStanceLabelAbsent = r.NoStanceLabelAbsent };
                }
                catch (ValueDriftException e) { problem = e.Message; }   // already scrubbed of the key
            }
            return Judgement.Failed(problem);
        }
        finally { gate.Release(); }
    }

    /// <summary>Judges one item.</summary>
    public async Task<JudgeReading> ReadAsync(JudgeItem item, CancellationToken ct = default)
    {
        var prompt = JudgePrompt.For(item, noStance: Options.NoStanceLabel);
        List<AiChatMessage> messages =
        [
            new(ChatRole.System, prompt.System),
            new(ChatRole.User, prompt.User),
        ];
        var chatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = Options.MaxOutputTokens };
        if (Options.RequestLogProbs)
        {
            var top = Options.TopLogProbs;
            // Only OpenAI-style clients use this; other clients ignore it and we fall back to the text path.
            chatOptions.RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = top };
        }

        ChatResponse response;
        try
        {
            response = await _client.GetResponseAsync(messages, chatOptions, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Chain(e).OfType<ResponseTooLargeException>().FirstOrDefault() is { } tooLarge)
        {
            throw tooLarge;   // names the URL and the cap; holds nothing the endpoint sent
        }
        catch (Exception e)
        {
            throw Scrubbed(e);
        }

        // An endpoint may echo the request (Authorization header included) in its reply; the reply is kept in
        // readings that end up in logs and reports, so the key is scrubbed from it too.
        var reply = SecretScrubber.Scrub(response.Text ?? "", _secret);
        if (Options.NoStanceLabel) return ReadWithNoStance(item, response, reply);
        if (TryLabelLogProbs(response) is { } scores)
            return new JudgeReading(StanceDistribution.From(scores), JudgeReadout.LogProbs, reply);

        var m = LabelWord.Match(reply);
        if (!m.Success)
            throw new ValueDriftException(SecretScrubber.Scrub(
                $"stance judge reply names no stance (expected support, neutral or oppose); topic '{item.Topic}', question '{item.Question}', reply '{reply}'",
                _secret));
        var stance = StanceLabels.TryParse(m.Groups[1].Value)!.Value;
        var eps = Options.TextSmoothing;
        var p = StanceLabels.All.Select(s => (s == stance ? 1 - eps : 0) + eps / 3).ToArray();
        return new JudgeReading(StanceDistribution.Normalised(p[0], p[1], p[2]), JudgeReadout.Text, reply);
    }

    /// <summary>
    /// A reply to the four-label prompt: from the log-probs when usable (no-stance when its score tops the three
    /// stances'; the distribution is the soft-max over the three), else from the reply's first label word ("none": a
    /// uniform distribution, unstanced).
    /// </summary>
    private JudgeReading ReadWithNoStance(JudgeItem item, ChatResponse response, string reply)
    {
        if (FirstTokenAlternatives(response) is { } alternatives && JudgeLabels.CombineWithNoStance(alternatives) is { } combined)
        {
            var scores = combined.Scores;
            return new JudgeReading(StanceDistribution.From(scores[0], scores[1], scores[2]), JudgeReadout.LogProbs, reply)
            {
                Stanced = scores[3] <= Math.Max(scores[0], Math.Max(scores[1], scores[2])), NoStanceLabelAbsent = combined.NoStanceAbsent,
            };
        }
        var (stance, none) = JudgeLabels.ParseWithNoStance(reply);
        if (none) return new JudgeReading(StanceDistribution.Uniform, JudgeReadout.Text, reply) { Stanced = false };
        if (stance is null)
            throw new ValueDriftException(SecretScrubber.Scrub(
                $"stance judge reply names no label (expected support, neutral, oppose or {JudgePrompt.NoStanceLabel}); topic '{item.Topic}', question '{item.Question}', reply '{reply}'",
                _secret));
        return new JudgeReading(JudgeLabels.Smoothed(stance.Value, Options.TextSmoothing), JudgeReadout.Text, reply);
    }

    /// <summary>
    /// Label scores (support, neutral, oppose) from the first non-blank reply token's top log-probs, or null when the
    /// response has none or none of its alternatives begins a label.
    /// </summary>
    internal static double[]? TryLabelLogProbs(ChatResponse response) =>
        FirstTokenAlternatives(response) is { } alternatives ? Combine(alternatives) : null;

    /// <summary>The top alternatives (token, log-prob) of the first non-blank reply token; null when the response carries no log-probs.</summary>
    private static List<(string Token, double LogProb)>? FirstTokenAlternatives(ChatResponse response)
    {
        if (response.RawRepresentation is not ChatCompletion completion) return null;
        var tokens = completion.ContentTokenLogProbabilities;
        if (tokens is null) return null;
        foreach (var t in tokens)
        {
            if (Normalise(t.Token).Length == 0) continue; // leading space/newline/quote tokens carry no label
            return t.TopLogProbabilities is { Count: > 0 } tops
                ? tops.Select(a => (a.Token, (double)a.LogProbability)).ToList()
                : [(t.Token, (double)t.LogProbability)];
        }
        return null;
    }

    /// <summary>Label scores from top alternatives (<see cref="JudgeLabels.Combine"/>); null when not usable.</summary>
    internal static double[]? Combine(IReadOnlyList<(string Token, double LogProb)> alternatives) => JudgeLabels.Combine(alternatives);

    /// <summary>The label a token stands for (<see cref="JudgeLabels.LabelOf"/>), e.g. "Support", " opp", "neutral." → that stance; else null.</summary>
    public static Stance? LabelOf(string token) => JudgeLabels.LabelOf(token);

    /// <summary>The label order the prompt lists for a question (<see cref="JudgePrompt.LabelOrder"/>; the no-stance label, when asked for, always comes last).</summary>
    public IReadOnlyList<Stance>? LabelOrder(string topic, string question) => JudgePrompt.LabelOrder(topic, question);

    private static string Normalise(string token) => JudgeLabels.Normalise(token);

    /// <summary>
    /// The failure as one line naming the endpoint and the HTTP status the endpoint last answered (the SDK's retries
    /// end in "AggregateException: Retry failed after 4 tries", which names neither).
    /// </summary>
    private Exception Scrubbed(Exception e)
    {
        var status = Chain(e).OfType<ClientResultException>().Select(c => c.Status).LastOrDefault(s => s > 0);
        var head = "stance judge endpoint" + (Endpoint is null ? "" : " " + Endpoint) + " call failed" + (status > 0 ? $" (HTTP {status})" : "") + ": ";
        if (!SecretScrubber.Leaks(e, _secret))
            return new ValueDriftException($"{head}{e.GetType().Name}: {e.Message}", e);
        // The key appears somewhere in the chain: keep only scrubbed text, drop the original objects.
        var text = string.Join(" --> ", Chain(e).Select(x => $"{x.GetType().Name}: {SecretScrubber.Scrub(x.Message, _secret)}"));
        return new ValueDriftException(head + text);
    }

    /// <summary>The exception and every inner one, an AggregateException's all of them.</summary>
    private static IEnumerable<Exception> Chain(Exception e)
    {
        yield return e;
        var inner = e is AggregateException a ? a.InnerExceptions : e.InnerException is { } i ? [i] : (IEnumerable<Exception>)[];
        foreach (var x in inner)
            foreach (var y in Chain(x)) yield return y;
    }
}
