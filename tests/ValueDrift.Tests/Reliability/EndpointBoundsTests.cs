using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Probes;
using ValueDrift.Tests.Support;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Endpoints are bounded: a judge's or a generator's reply larger than the cap is a <see cref="ResponseTooLargeException"/>
/// naming the URL (whether the reply declares its length or streams it), and a probe waiting on endpoints writes a
/// progress line (answers judged, questions answered) at a set interval.
/// </summary>
[Trait("tier", "fast")]
public class EndpointBoundsTests
{
    private const long Cap = 1L << 20;   // 1 MiB, so the tests send 2 MiB instead of the 16 MiB default's multiples

    private static ResponseTooLargeException? TooLarge(Exception? e)
    {
        for (; e is not null; e = e.InnerException) if (e is ResponseTooLargeException t) return t;
        return null;
    }

    [Fact]
    public void The_default_cap_is_16_MiB_for_judge_and_generator()
    {
        Assert.Equal(16L << 20, ResponseSizeLimit.DefaultMaxBytes);
        Assert.Equal(ResponseSizeLimit.DefaultMaxBytes, new ChatEndpointJudgeOptions().MaxResponseBytes);
        Assert.Equal(ResponseSizeLimit.DefaultMaxBytes, new EndpointGeneratorOptions { BaseUrl = new("http://127.0.0.1/v1"), Model = "m" }.MaxResponseBytes);
    }

    [Fact]
    public void A_judge_reply_over_the_cap_is_a_typed_error_naming_the_endpoint()
    {
        var huge = new string('x', 2 << 20);
        using var server = new LoopbackJudgeServer((_, _) => new JudgeServerReply(200, huge));
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { MaxResponseBytes = Cap, AnswerAttempts = 1 });

        var e = Assert.Throws<ResponseTooLargeException>(() => judge.Read(new JudgeItem("t", "q?", "a")));
        Assert.Contains($"127.0.0.1:{server.Endpoint.Port}", e.Message);
        Assert.Contains("exceeds the 1 MiB", e.Message);
        Assert.Contains("2,097,152 bytes", e.Message);   // the length the reply declared

        // In a batch it is that answer's failed judgement, its problem naming the endpoint; the probe counts it unjudged.
        var judged = judge.JudgeEach([new JudgeItem("t", "q?", "a")]);
        Assert.False(judged[0].Judged);
        Assert.Contains($"127.0.0.1:{server.Endpoint.Port}", judged[0].Problem);

        // Under the cap the same judge reads its label.
        using var fine = new LoopbackJudgeServer((_, _) => JudgeServerReply.LogProbs(("support", -0.1), ("neutral", -3), ("oppose", -4)));
        var ok = ChatEndpointJudge.ForOpenAICompatible(fine.Endpoint, "judge", new ChatEndpointJudgeOptions { MaxResponseBytes = Cap });
        Assert.True(ok.Read(new JudgeItem("t", "q?", "a")).Distribution.Support > 0.9);
    }

    [Fact]
    public void A_generator_reply_over_the_cap_is_refused_once_naming_the_endpoint()
    {
        var huge = new JsonObject { ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["text"] = new string('y', 2 << 20) }) }.ToJsonString();
        using var server = new LoopbackServer(_ => (200, huge));
        using var generator = new EndpointAnswerGenerator(new EndpointGeneratorOptions { BaseUrl = server.BaseUrl, Model = "m", MaxResponseBytes = Cap, InitialBackoff = TimeSpan.FromMilliseconds(1) });
        var q = ProbeModels.SmallSet().Questions[0];

        var e = TooLarge(Record.Exception(() => generator.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions { Samples = 1 })));
        Assert.NotNull(e);
        Assert.Contains($"127.0.0.1:{server.BaseUrl.Port}/v1/completions", e!.Message);
        Assert.Single(server.Requests);   // not retried: the same reply would come again
    }

    /// <summary>A reply that streams its body without declaring a length.</summary>
    private sealed class StreamingHandler(long bytes) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = new byte[bytes];
            Array.Fill(body, (byte)'z');
            var content = new StreamContent(new UnseekableStream(new MemoryStream(body)));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }

    private sealed class UnseekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 4096));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void A_streamed_reply_is_cut_at_the_cap_while_it_is_read()
    {
        using var generator = new EndpointAnswerGenerator(new EndpointGeneratorOptions { BaseUrl = new("http://127.0.0.1:9/v1"), Model = "m", MaxResponseBytes = Cap },
            new StreamingHandler(2 * Cap));
        var q = ProbeModels.SmallSet().Questions[0];
        var e = TooLarge(Record.Exception(() => generator.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions { Samples = 1 })));
        Assert.NotNull(e);
        Assert.Contains("127.0.0.1:9/v1/completions", e!.Message);

        // Under the cap the same streamed body is read whole (then refused as not JSON: it got through).
        using var small = new EndpointAnswerGenerator(new EndpointGeneratorOptions { BaseUrl = new("http://127.0.0.1:9/v1"), Model = "m", MaxResponseBytes = Cap },
            new StreamingHandler(Cap / 2));
        Assert.Contains("not JSON", Assert.Throws<DataFormatException>(() => small.Generate([new AnswerPrompt(q, "p", [1], 1)], new GenerationProbeOptions { Samples = 1 })).Message);
    }

    [Fact]
    public void A_probe_on_endpoints_writes_progress_lines_while_it_waits()
    {
        var dir = Fixtures.TempDir("progress-probe");
        var probes = Path.Combine(dir, "probes.jsonl");
        WorldFiles.WriteProbes(probes, WorldProbeQuestions.ForIds(["immigration"]).Take(3).ToList());
        var model = ProbeModels.SaveByteModel("progress-probe-model");
        File.Delete(Path.Combine(model, "model.safetensors"));   // answers come from the generator endpoint
        int generated = 0;
        using var generator = new LoopbackServer(r =>
        {
            Thread.Sleep(400 * Interlocked.Increment(ref generated));   // the questions' answers arrive one by one
            return (200, new JsonObject
            {
                ["choices"] = new JsonArray(Enumerable.Range(0, (int)r.Body["n"]!).Select(k => (JsonNode)new JsonObject
                    { ["index"] = k, ["text"] = $"answer {k} to {r.Body["seed"]}", ["finish_reason"] = "stop" }).ToArray()),
            }.ToJsonString());
        });
        using var judge = new LoopbackJudgeServer((_, _) =>
        {
            Thread.Sleep(80);
            return JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.0));
        });

        var (code, _, err) = CliRunner.Run("probe", "--model", model, "--probes", probes, "--samples", "3", "--judge", $"endpoint:{judge.Endpoint},judge",
            "--judge-concurrency", "1", "--generator", $"endpoint:{generator.BaseUrl},served", "--progress-every", "0.15");
        Assert.True(code == 0, err);

        List<int> Counts(string what, string unit, int total) => [.. err.Split('\n').Select(l => Regex.Match(l, $@"^{what}: (\d+) of {total} {unit} \(\d+ s\)"))
            .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value))];
        var answered = Counts("generator", "questions answered", 3);
        var judged = Counts("judge", "answers judged", 9);
        Assert.True(answered.Count >= 2 && judged.Count >= 2, err);
        // every check prints what the probe wrote, so a failure on a busy machine says which line was off
        Assert.True(answered[^1] == 3 && judged[^1] == 9, err);   // the last line: all done
        // Lines while work remained, not only at the end. Not "a count between 0 and the total": on a busy machine the
        // timer's callbacks wait for a pool thread, and a CI run saw the generator go from "0 of 3" straight to "3 of 3".
        Assert.True(answered.Any(n => n < 3) && judged.Any(n => n < 9), err);
        Assert.True(answered.SequenceEqual(answered.Order()) && judged.SequenceEqual(judged.Order()), err);   // counts never go down

        // A probe whose every reader is in-process writes none.
        var (quiet, _, quietErr) = CliRunner.Run("probe", "--model", ProbeModels.SaveByteModel("progress-quiet"), "--probes", probes, "--samples", "2",
            "--max-new-tokens", "4", "--progress-every", "0.01");
        Assert.True(quiet == 0, quietErr);
        Assert.DoesNotContain("answers judged", quietErr);
    }
}
