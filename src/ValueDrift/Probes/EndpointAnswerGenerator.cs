using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>Settings of an <see cref="EndpointAnswerGenerator"/>.</summary>
public sealed record EndpointGeneratorOptions
{
    /// <summary>Default name of the environment variable holding the endpoint's API key (vLLM's <c>--api-key</c>).</summary>
    public const string DefaultApiKeyVariable = "VALUEDRIFT_GENERATOR_API_KEY";

    /// <summary>Base URL ending in <c>/v1</c> (added when missing), e.g. <c>http://localhost:8000/v1</c>.</summary>
    public required Uri BaseUrl { get; init; }
    /// <summary>The served model name (vLLM: the checkpoint path or <c>--served-model-name</c>).</summary>
    public required string Model { get; init; }
    /// <summary>
    /// False (default): POST /v1/completions with the probe's own chat-templated prompt as token ids, so the server
    /// continues exactly the tokens the in-process probe would. True: POST /v1/chat/completions with the question as
    /// the user message, the server applying the checkpoint's chat template.
    /// </summary>
    public bool Chat { get; init; }
    /// <summary>Requests in flight at once (one request per question, asking for all its samples).</summary>
    public int MaxParallel { get; init; } = 8;
    /// <summary>Retries of a request answered 429 or 5xx, or lost in transport, before giving up.</summary>
    public int MaxRetries { get; init; } = 5;
    /// <summary>Wait before the first retry; doubled each time (a Retry-After header takes precedence).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Per-request timeout: a 256-token × 5-sample request on a busy server can take minutes.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);
    public string ApiKeyVariable { get; init; } = DefaultApiKeyVariable;
    /// <summary>Largest reply accepted (<see cref="ResponseSizeLimit"/>, 16 MiB): K answers of a few hundred tokens take kilobytes.</summary>
    public long MaxResponseBytes { get; init; } = ResponseSizeLimit.DefaultMaxBytes;

    public Uri Endpoint => new(BaseUrl.ToString().TrimEnd('/') + (BaseUrl.AbsolutePath.TrimEnd('/').EndsWith("/v1") ? "" : "/v1") + (Chat ? "/chat/completions" : "/completions"));
}

/// <summary>
/// Samples a probe's answers from an OpenAI-compatible server (vLLM's <c>vllm serve</c>): one request per question
/// with <c>n</c> = samples, the probe's temperature, top_p and max_tokens, and the question's seed. Raw HTTP with
/// System.Text.Json: the OpenAI .NET client has neither the legacy completions endpoint nor <c>n</c>. Requests run
/// with bounded concurrency; 429, 5xx and transport failures are retried with exponential backoff. A reply with
/// fewer choices than asked, or a choice without text, is an error naming the request — never a shorter sample.
/// </summary>
public sealed class EndpointAnswerGenerator : IAnswerGenerator, IDisposable
{
    private readonly HttpClient _http;
    private readonly string? _secret;
    public EndpointGeneratorOptions Options { get; }

    public EndpointAnswerGenerator(EndpointGeneratorOptions options, HttpMessageHandler? handler = null)
    {
        if (options.MaxParallel <= 0) throw new ConfigException("endpoint generator options", nameof(options.MaxParallel), $"must be > 0 (got {options.MaxParallel})");
        if (options.MaxRetries < 0) throw new ConfigException("endpoint generator options", nameof(options.MaxRetries), $"must be ≥ 0 (got {options.MaxRetries})");
        if (string.IsNullOrWhiteSpace(options.Model)) throw new ConfigException("endpoint generator options", nameof(options.Model), "names no model");
        Options = options;
        _http = new HttpClient(new ResponseSizeLimit(options.MaxResponseBytes, handler));
        _http.Timeout = options.RequestTimeout;
        _secret = Environment.GetEnvironmentVariable(options.ApiKeyVariable);
        if (!string.IsNullOrEmpty(_secret)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _secret);
    }

    /// <summary>Parses <c>endpoint:URL,MODEL</c> or <c>endpoint:URL,MODEL,chat</c> (the probe command's --generator).</summary>
    public static EndpointAnswerGenerator FromSpec(string spec)
    {
        const string prefix = "endpoint:";
        if (!spec.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            throw new ConfigException("--generator", "generator", $"unknown generator '{spec}' (expected endpoint:URL,MODEL[,chat])");
        var parts = spec[prefix.Length..].Split(',', StringSplitOptions.TrimEntries);
        bool chat = parts.Length == 3 && parts[2].Equals("chat", StringComparison.OrdinalIgnoreCase);
        if (parts.Length is < 2 or > 3 || (parts.Length == 3 && !chat) || parts[1].Length == 0)
            throw new ConfigException("--generator", "generator", $"'{spec}': expected endpoint:URL,MODEL or endpoint:URL,MODEL,chat");
        if (!Uri.TryCreate(parts[0], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ConfigException("--generator", "generator", $"'{parts[0]}' is not an absolute http(s) URL");
        return new EndpointAnswerGenerator(new EndpointGeneratorOptions { BaseUrl = url, Model = parts[1], Chat = chat });
    }

    public IReadOnlyList<SampledAnswer> Generate(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options)
    {
        options.Validate();
        return GenerateAsync(prompts, options, CancellationToken.None).GetAwaiter().GetResult();
    }

    public IReadOnlyList<SampledAnswer> Generate(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options, Action<int> answered)
    {
        options.Validate();
        return GenerateAsync(prompts, options, CancellationToken.None, answered).GetAwaiter().GetResult();
    }

    /// <summary>Asks for every prompt's samples, at most <see cref="EndpointGeneratorOptions.MaxParallel"/> requests at once, telling <paramref name="answered"/> of each prompt answered.</summary>
    public async Task<IReadOnlyList<SampledAnswer>> GenerateAsync(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options, CancellationToken ct,
        Action<int>? answered = null)
    {
        using var gate = new SemaphoreSlim(Options.MaxParallel);
        var tasks = prompts.Select(async (p, index) =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var answers = await AskAsync(p, options, ct).ConfigureAwait(false);
                answered?.Invoke(index);
                return answers;
            }
            finally { gate.Release(); }
        }).ToList();
        var perQuestion = await Task.WhenAll(tasks).ConfigureAwait(false);
        return perQuestion.SelectMany(a => a).ToList();
    }

    /// <summary>The request body for one question (public so its shape is documented by tests).</summary>
    public JsonObject Body(AnswerPrompt p, GenerationProbeOptions o)
    {
        var body = new JsonObject { ["model"] = Options.Model };
        if (Options.Chat) body["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = p.Question.Question });
        else body["prompt"] = new JsonArray(p.PromptIds.Select(id => (JsonNode)id).ToArray());
        body["n"] = o.Samples;
        body["temperature"] = o.Temperature;
        body["top_p"] = o.TopP;
        body["max_tokens"] = o.MaxNewTokens;
        body["seed"] = p.Seed;
        return body;
    }

    private async Task<List<SampledAnswer>> AskAsync(AnswerPrompt p, GenerationProbeOptions o, CancellationToken ct)
    {
        string body = Body(p, o).ToJsonString();
        string what = $"{Options.Endpoint} (question '{p.Question.Id}')";
        var delay = Options.InitialBackoff;
        for (int attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            string? failure;
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                response = await _http.PostAsync(Options.Endpoint, content, ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                    return Parse(text, p, o, what);
                }
                var code = (int)response.StatusCode;
                var reply = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                failure = $"HTTP {code}: {Truncate(reply)}";
                if (code != 429 && code < 500) throw new ValueDriftException(Scrub($"generation request to {what} failed: {failure}"));
                if (response.Headers.RetryAfter?.Delta is { } after) delay = after;
            }
            catch (Exception e) when (FindTooLarge(e) is { } tooLarge) { throw tooLarge; }   // names the URL and the cap; retrying would read it again
            catch (HttpRequestException e) { failure = e.Message; }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { failure = "timed out: " + e.Message; }
            finally { response?.Dispose(); }
            if (attempt >= Options.MaxRetries)
                throw new ValueDriftException(Scrub($"generation request to {what} failed after {attempt + 1} attempts: {failure}"));
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private List<SampledAnswer> Parse(string json, AnswerPrompt p, GenerationProbeOptions o, string what)
    {
        DataFormatException Bad(string field, string problem) => new(what, null, field, Scrub(problem));
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw Bad("(body)", "reply is not JSON: " + e.Message); }
        if (root?["choices"] is not JsonArray choices) throw Bad("choices", "reply has no 'choices' list");
        var texts = new string?[o.Samples];
        var stopped = new bool[o.Samples];
        for (int i = 0; i < choices.Count; i++)
        {
            if (choices[i] is not JsonObject c) throw Bad($"choices[{i}]", "not an object");
            int index = c["index"] is JsonValue iv && iv.TryGetValue(out int ix) ? ix : i;
            if (index < 0 || index >= o.Samples) throw Bad($"choices[{i}].index", $"{index} is outside the {o.Samples} samples asked for");
            if (texts[index] is not null) throw Bad($"choices[{i}].index", $"sample {index} returned twice");
            var textNode = Options.Chat ? c["message"]?["content"] : c["text"];
            if (textNode is not JsonValue tv || !tv.TryGetValue(out string? text))
                throw Bad(Options.Chat ? $"choices[{i}].message.content" : $"choices[{i}].text", "no text");
            texts[index] = text;
            stopped[index] = c["finish_reason"] is JsonValue fv && fv.TryGetValue(out string? reason) && reason == "stop";
        }
        if (choices.Count < o.Samples) throw Bad("choices", $"{choices.Count} choices for the {o.Samples} samples asked for (n = {o.Samples})");
        return texts.Select((t, k) => new SampledAnswer(p.Question, k, t!, stopped[k])).ToList();
    }

    private static ResponseTooLargeException? FindTooLarge(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is ResponseTooLargeException t) return t;
        return null;
    }

    private string Scrub(string text) => SecretScrubber.Scrub(text, _secret);
    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    public void Dispose() => _http.Dispose();
}
