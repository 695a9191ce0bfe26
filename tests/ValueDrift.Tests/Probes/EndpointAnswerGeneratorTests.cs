using System.Text;
using System.Text.Json.Nodes;
using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class EndpointAnswerGeneratorTests
{
    private static readonly ITokenizer Qwen3 = TokenizerLoader.FromFolder(Fixtures.Qwen3Tokenizer);
    private static readonly ChatTemplate Template = ChatTemplate.ForModelFolder(Fixtures.Qwen3Tokenizer, Qwen3);

    /// <summary>FNV-1a over UTF-8, written out here as the independent reference for the per-question seed.</summary>
    private static long Fnv(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(s)) { h ^= b; h *= 1099511628211UL; }
        return (long)(h & 0x7FFFFFFFFFFFFFFFUL);
    }

    /// <summary>A completions reply: n choices, listed in reverse index order (the client must use 'index').</summary>
    private static string Reply(ReceivedRequest r, Func<int, string> text, bool chat = false)
    {
        int n = (int)r.Body["n"]!;
        var choices = new JsonArray(Enumerable.Range(0, n).Reverse().Select(k => (JsonNode)new JsonObject
        {
            ["index"] = k,
            [chat ? "message" : "text"] = chat ? new JsonObject { ["role"] = "assistant", ["content"] = text(k) } : text(k),
            ["finish_reason"] = k == 0 ? "length" : "stop",
        }).ToArray());
        return new JsonObject { ["id"] = "cmpl-1", ["object"] = chat ? "chat.completion" : "text_completion", ["choices"] = choices }.ToJsonString();
    }

    private static string QuestionOf(ReceivedRequest r, bool chat) => chat
        ? (string)r.Body["messages"]![0]!["content"]!
        : Qwen3.Decode(r.Body["prompt"]!.AsArray().Select(x => (int)x!).ToArray());

    private static EndpointAnswerGenerator Generator(LoopbackServer s, bool chat = false, int retries = 3) =>
        new(new EndpointGeneratorOptions { BaseUrl = s.BaseUrl, Model = "tiny-qwen3-dpo", Chat = chat, MaxParallel = 2, MaxRetries = retries, InitialBackoff = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public void ProbeSamplesFiveAnswersPerQuestionThroughCompletions()
    {
        var set = ProbeModels.SmallSet();
        using var server = new LoopbackServer(r => (200, Reply(r, k => $"answer {k} to: {QuestionOf(r, false).Length}")));
        using var generator = Generator(server);
        var judge = new TextShapeJudge();
        var probe = new GenerationProbe(set, Qwen3, Template, judge, new GenerationProbeOptions { Generator = generator });   // paper defaults
        var result = probe.Measure(null!);   // the model is served by the endpoint

        Assert.Equal(3, server.Requests.Count);   // one request per question, asking for all its samples
        foreach (var q in set.Questions)
        {
            int[] prompt = Qwen3.Encode(Template.FormatPrompt([ChatMessage.User(q.Question)]));
            var request = server.Requests.Single(r => r.Body["prompt"]!.AsArray().Select(x => (int)x!).SequenceEqual(prompt));
            Assert.Equal(("POST", "/v1/completions"), (request.Method, request.Path));
            Assert.Equal("tiny-qwen3-dpo", (string?)request.Body["model"]);
            Assert.Equal(5, (int)request.Body["n"]!);
            Assert.Equal(0.7, (double)request.Body["temperature"]!);
            Assert.Equal(1.0, (double)request.Body["top_p"]!);
            Assert.Equal(256, (int)request.Body["max_tokens"]!);
            Assert.Equal(Seeds.Derive(0, Fnv(q.Id)), (long)request.Body["seed"]!);
        }
        Assert.Equal(3 * 5, result.Topics.Sum(t => t.N));
        var answers = probe.Sample(null!, [set.Questions[0]]);
        string expectedLength = Qwen3.Decode(Qwen3.Encode(Template.FormatPrompt([ChatMessage.User(set.Questions[0].Question)]))).Length.ToString();
        Assert.Equal(Enumerable.Range(0, 5).Select(k => $"answer {k} to: {expectedLength}"), answers.Select(a => a.Text));
        Assert.Equal([0, 1, 2, 3, 4], answers.Select(a => a.Sample));
        Assert.Equal([false, true, true, true, true], answers.Select(a => a.Stopped));
    }

    [Fact]
    public void ChatFlagSendsTheQuestionAsAUserMessage()
    {
        var set = ProbeModels.SmallSet();
        using var server = new LoopbackServer(r => (200, Reply(r, k => $"{QuestionOf(r, true)} #{k}", chat: true)));
        using var generator = Generator(server, chat: true);
        var answers = new GenerationProbe(set, Qwen3, Template, new TextShapeJudge(), new GenerationProbeOptions { Samples = 3, Generator = generator }).Sample(null!);
        Assert.All(server.Requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        Assert.All(server.Requests, r => Assert.Equal("user", (string?)r.Body["messages"]![0]!["role"]));
        Assert.Equal(set.Questions.SelectMany(q => Enumerable.Range(0, 3).Select(k => $"{q.Question} #{k}")), answers.Select(a => a.Text));
    }

    [Fact]
    public void BusyAndFailingServersAreRetriedWithBackoff()
    {
        int calls = 0;
        using var server = new LoopbackServer(r => Interlocked.Increment(ref calls) switch
        {
            1 => (429, "{\"error\": \"rate limited\"}"),
            2 => (503, "{\"error\": \"loading\"}"),
            _ => (200, Reply(r, k => "ok")),
        });
        using var generator = Generator(server);
        var q = ProbeModels.SmallSet().Questions[0];
        var answers = generator.Generate([new AnswerPrompt(q, "p", [1, 2, 3], 42)], new GenerationProbeOptions { Samples = 2 });
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(["ok", "ok"], answers.Select(a => a.Text));
        Assert.All(server.Requests, r => Assert.Equal(42L, (long)r.Body["seed"]!));
    }

    [Fact]
    public void PersistentFailureAndClientErrorsAreTypedErrorsNamingTheRequest()
    {
        var q = ProbeModels.SmallSet().Questions[1];
        using (var down = new LoopbackServer(_ => (500, "{}")))
        using (var generator = Generator(down, retries: 2))
        {
            var e = Assert.Throws<ValueDriftException>(() => generator.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions()));
            Assert.Contains("after 3 attempts", e.Message);
            Assert.Contains(q.Id, e.Message);
            Assert.Equal(3, down.Requests.Count);
        }
        using (var refusing = new LoopbackServer(_ => (400, "{\"error\": \"n must be at most 4\"}")))
        using (var generator = Generator(refusing))
        {
            var e = Assert.Throws<ValueDriftException>(() => generator.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions()));
            Assert.Contains("n must be at most 4", e.Message);
            Assert.Single(refusing.Requests);   // a client error is not retried
        }
    }

    [Theory]
    [InlineData("{\"choices\": [{\"index\": 0, \"text\": \"a\"}, {\"index\": 1, \"text\": \"b\"}]}", "choices")]
    [InlineData("{\"choices\": [{\"index\": 0, \"text\": \"a\"}, {\"index\": 1}, {\"index\": 2, \"text\": \"c\"}]}", "choices[1].text")]
    [InlineData("{\"choices\": [{\"index\": 0, \"text\": \"a\"}, {\"index\": 0, \"text\": \"b\"}, {\"index\": 2, \"text\": \"c\"}]}", "choices[1].index")]
    [InlineData("{\"object\": \"error\"}", "choices")]
    [InlineData("not json", "(body)")]
    public void RepliesThatDoNotHoldEveryAskedAnswerAreRefused(string reply, string field)
    {
        var q = ProbeModels.SmallSet().Questions[2];
        using var server = new LoopbackServer(_ => (200, reply));
        using var generator = Generator(server);
        var e = Assert.Throws<DataFormatException>(() => generator.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions { Samples = 3 }));
        Assert.Equal(field, e.Field);
        Assert.Contains(q.Id, e.File);
        Assert.Contains("/v1/completions", e.File);
    }

    [Theory]
    [InlineData("endpoint:http://localhost:8000/v1,my-model", "http://localhost:8000/v1/completions", "my-model")]
    [InlineData("endpoint:http://localhost:8000,m,chat", "http://localhost:8000/v1/chat/completions", "m")]
    public void SpecsParse(string spec, string endpoint, string model)
    {
        using var g = EndpointAnswerGenerator.FromSpec(spec);
        Assert.Equal(endpoint, g.Options.Endpoint.ToString());
        Assert.Equal(model, g.Options.Model);
    }

    [Theory]
    [InlineData("endpoint:http://localhost:8000")]
    [InlineData("endpoint:localhost,m")]
    [InlineData("endpoint:http://h/v1,m,stream")]
    [InlineData("vllm:http://h,m")]
    public void BadSpecsAreConfigErrors(string spec) =>
        Assert.Equal("generator", Assert.Throws<ConfigException>(() => EndpointAnswerGenerator.FromSpec(spec)).Field);
}

[Trait("tier", "fast")]
public class ProbeCommandGeneratorTests
{
    [Fact]
    public void ProbeCommandSamplesThroughTheEndpointWithoutLoadingWeights()
    {
        var dir = Fixtures.TempDir("cli-endpoint-probe");
        var probes = Path.Combine(dir, "probes.jsonl");
        var rows = ValueDrift.World.WorldProbeQuestions.ForIds(["immigration"]).Take(2).ToList();
        ValueDrift.World.WorldFiles.WriteProbes(probes, rows);
        var model = ProbeModels.SaveByteModel("cli-endpoint-model");
        File.Delete(Path.Combine(model, "model.safetensors"));   // only the tokenizer and chat template are needed here
        using var server = new LoopbackServer(r => (200, new JsonObject
        {
            ["choices"] = new JsonArray(Enumerable.Range(0, (int)r.Body["n"]!).Select(k => (JsonNode)new JsonObject { ["index"] = k, ["text"] = "I support it.", ["finish_reason"] = "stop" }).ToArray()),
        }.ToJsonString()));

        var (code, stdout, stderr) = ValueDrift.Tests.Cli.CliRunner.Run("probe", "--model", model, "--probes", probes, "--judge", "world",
            "--samples", "2", "--generator", $"endpoint:{server.BaseUrl},served-name");
        Assert.True(code == 0, stderr);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal(("served-name", 2), ((string)r.Body["model"]!, (int)r.Body["n"]!)));
        Assert.Contains("immigration", stdout);
    }
}
