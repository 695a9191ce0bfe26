#pragma warning disable OPENAI001 // OpenAIChatModelFactory is marked for evaluation; fine for building test responses
using System.Net;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ValueDrift.Errors;
using ValueDrift.Probes;
using Xunit;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ValueDrift.Tests.Probes;

/// <summary>A chat client that answers from a function and records what it was asked.</summary>
internal sealed class FakeChatClient(Func<IReadOnlyList<AiChatMessage>, ChatOptions?, ChatResponse> answer) : IChatClient
{
    public List<(IReadOnlyList<AiChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls) Calls.Add((list, options));
        return Task.FromResult(answer(list, options));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("the judge does not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose() { }
}

[Trait("tier", "fast")]
public class ChatEndpointJudgeTests
{
    /// <summary>A response whose first token has the given top log-probs, as the OpenAI adapter returns it.</summary>
    private static ChatResponse WithLogProbs(string text, params (string Token, float LogProb)[] top)
    {
        var tops = top.Select(t => OpenAIChatModelFactory.ChatTokenTopLogProbabilityDetails(t.Token, t.LogProb, null)).ToList();
        var first = OpenAIChatModelFactory.ChatTokenLogProbabilityDetails(top[0].Token, top[0].LogProb, null, tops);
        var completion = OpenAIChatModelFactory.ChatCompletion(id: "c", role: ChatMessageRole.Assistant,
            content: new ChatMessageContent(text), contentTokenLogProbabilities: [first]);
        return new ChatResponse(new AiChatMessage(ChatRole.Assistant, text)) { RawRepresentation = completion };
    }

    [Fact]
    public void Logprob_path_softmaxes_the_label_tokens()
    {
        var client = new FakeChatClient((_, _) => WithLogProbs(" support",
            (" support", -0.5f), ("Support", -2.0f), ("neut", -1.2f), ("opp", -3.0f), ("The", -4.0f)));
        var judge = new ChatEndpointJudge(client);
        var reading = judge.Read(new JudgeItem("immigration", "Should X?", "Yes."));

        Assert.Equal(JudgeReadout.LogProbs, reading.Readout);
        // Hand computation: support combines its two spellings; "The" is not a label and drops out.
        double s = Math.Exp(-0.5f) + Math.Exp(-2.0f), n = Math.Exp(-1.2f), o = Math.Exp(-3.0f);
        Assert.Equal(s / (s + n + o), reading.Distribution.Support, 6);
        Assert.Equal(n / (s + n + o), reading.Distribution.Neutral, 6);
        Assert.Equal(o / (s + n + o), reading.Distribution.Oppose, 6);

        // The request carried the shared prompt, temperature 0 and a log-prob request for OpenAI-style clients.
        var (messages, options) = client.Calls.Single();
        var prompt = JudgePrompt.For(new JudgeItem("immigration", "Should X?", "Yes."));
        Assert.Equal(prompt.System, messages[0].Text);
        Assert.Equal(prompt.User, messages[1].Text);
        Assert.Equal(0f, options!.Temperature);
        var raw = Assert.IsType<ChatCompletionOptions>(options.RawRepresentationFactory!(client));
        Assert.True(raw.IncludeLogProbabilities);
        Assert.Equal(20, raw.TopLogProbabilityCount);
    }

    [Fact]
    public void Logprob_path_gives_an_absent_label_the_smallest_listed_logprob()
    {
        var client = new FakeChatClient((_, _) => WithLogProbs("oppose", ("oppose", -0.1f), ("neutral", -2.5f), ("I", -4.0f)));
        var d = new ChatEndpointJudge(client).Judge("t", "q", "a");
        double s = Math.Exp(-4.0f), n = Math.Exp(-2.5f), o = Math.Exp(-0.1f);
        Assert.Equal(s / (s + n + o), d.Support, 6);
        Assert.Equal(o / (s + n + o), d.Oppose, 6);
    }

    [Fact]
    public void Text_path_is_one_hot_with_documented_smoothing()
    {
        var client = new FakeChatClient((_, _) => new ChatResponse(new AiChatMessage(ChatRole.Assistant, "Neutral.")));
        var judge = new ChatEndpointJudge(client, new ChatEndpointJudgeOptions { TextSmoothing = 0.03 });
        var reading = judge.Read(new JudgeItem("t", "q", "a"));
        Assert.Equal(JudgeReadout.Text, reading.Readout);
        Assert.Equal(0.01, reading.Distribution.Support, 12);
        Assert.Equal(0.98, reading.Distribution.Neutral, 12);
        Assert.Equal(0.01, reading.Distribution.Oppose, 12);
    }

    [Fact]
    public void Text_path_without_a_label_is_an_error()
    {
        var client = new FakeChatClient((_, _) => new ChatResponse(new AiChatMessage(ChatRole.Assistant, "I cannot say.")));
        var e = Assert.Throws<ValueDriftException>(() => new ChatEndpointJudge(client).Judge("t", "q", "a"));
        Assert.Contains("names no stance", e.Message);
    }

    [Fact]
    public void JudgeMany_keeps_input_order()
    {
        var client = new FakeChatClient((m, _) => new ChatResponse(new AiChatMessage(ChatRole.Assistant,
            m[1].Text!.Contains("Answer: A1") ? "support" : m[1].Text!.Contains("Answer: A2") ? "oppose" : "neutral")));
        var judge = new ChatEndpointJudge(client, new ChatEndpointJudgeOptions { MaxParallel = 3 });
        var results = judge.JudgeMany([new("t", "q", "A1"), new("t", "q", "A2"), new("t", "q", "A3"), new("t", "q", "A1")]);
        Assert.Equal([Stance.Support, Stance.Oppose, Stance.Neutral, Stance.Support], results.Select(r => r.Dominant));
    }

    [Fact]
    public void An_exception_carrying_the_key_is_scrubbed()
    {
        var variable = "VALUEDRIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        const string key = "sk-test-SECRET-4f1c9a";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            var client = new FakeChatClient((_, _) => throw new HttpRequestException($"401 Unauthorized: invalid key {key}",
                new InvalidOperationException($"Authorization: Bearer {key}")));
            var judge = new ChatEndpointJudge(client, new ChatEndpointJudgeOptions { ApiKeyVariable = variable });
            var e = Assert.Throws<ValueDriftException>(() => judge.Judge("t", "q", "a"));
            Assert.DoesNotContain(key, e.ToString());
            Assert.Contains("401 Unauthorized", e.Message);
            Assert.Contains(SecretScrubber.Mask, e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    /// <summary>Answers every HTTP request with a fixed status and body, recording the request.</summary>
    private sealed class FixedHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public string? Authorization;
        public string? RequestBody;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Authorization = request.Headers.Authorization?.ToString();
            RequestBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(ct);
            return new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        }
    }

    [Fact]
    public void OpenAI_compatible_endpoint_reads_logprobs_from_the_wire_format()
    {
        const string body = """
            {"id":"c1","object":"chat.completion","created":1,"model":"judge","choices":[{"index":0,"finish_reason":"stop",
             "message":{"role":"assistant","content":"oppose"},
             "logprobs":{"content":[{"token":"opp","logprob":-0.2,"bytes":null,"top_logprobs":[
               {"token":"opp","logprob":-0.2,"bytes":null},{"token":"neutral","logprob":-1.9,"bytes":null},{"token":" support","logprob":-3.0,"bytes":null}]}]}}]}
            """;
        var handler = new FixedHandler(HttpStatusCode.OK, body);
        var variable = "VALUEDRIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, "sk-wire-key");
        try
        {
            var judge = ChatEndpointJudge.ForOpenAICompatible(new Uri("http://localhost:9/v1"), "judge",
                new ChatEndpointJudgeOptions { ApiKeyVariable = variable }, new HttpClient(handler));
            var d = judge.Judge("t", "q", "a");
            double s = Math.Exp(-3.0), n = Math.Exp(-1.9), o = Math.Exp(-0.2);
            Assert.Equal(o / (s + n + o), d.Oppose, 5);
            Assert.Equal(s / (s + n + o), d.Support, 5);
            Assert.Equal("Bearer sk-wire-key", handler.Authorization);
            Assert.Contains("\"logprobs\":true", handler.RequestBody);
            Assert.Contains("\"top_logprobs\":20", handler.RequestBody);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void OpenAI_compatible_endpoint_error_echoing_the_key_is_scrubbed()
    {
        const string key = "sk-echoed-SECRET-77";
        var handler = new FixedHandler(HttpStatusCode.Unauthorized,
            $$$"""{"error":{"message":"Incorrect API key provided: {{{key}}}","type":"invalid_request_error","code":"invalid_api_key"}}""");
        var variable = "VALUEDRIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            var judge = ChatEndpointJudge.ForOpenAICompatible(new Uri("http://localhost:9/v1"), "judge",
                new ChatEndpointJudgeOptions { ApiKeyVariable = variable }, new HttpClient(handler));
            var e = Assert.Throws<ValueDriftException>(() => judge.Judge("t", "q", "a"));
            Assert.DoesNotContain(key, e.ToString());
            Assert.Contains("Incorrect API key", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("support", Stance.Support)]
    [InlineData(" Support", Stance.Support)]
    [InlineData("\"neutral", Stance.Neutral)]
    [InlineData("opp", Stance.Oppose)]
    [InlineData("Opposed", Stance.Oppose)]
    [InlineData("The", null)]
    [InlineData(" ", null)]
    public void Tokens_map_to_the_label_they_begin(string token, Stance? expected) =>
        Assert.Equal(expected, ChatEndpointJudge.LabelOf(token));
}
