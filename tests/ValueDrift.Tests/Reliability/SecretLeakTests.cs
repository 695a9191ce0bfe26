using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Tests.Probes;
using Xunit;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// The chat-endpoint judge's API key must not reach anything a run writes: console output, exception messages and
/// chains, the trace, or the HTML report. Endpoints here fail in the ways that put the key in front of the judge: an
/// error body echoing the Authorization header, a transport exception quoting it, a reply repeating it.
/// (Probes/ChatEndpointJudgeTests covers the exception text itself; this follows the key to the run's outputs.)
/// </summary>
[Collection(RunsAlone.Name)]
public class SecretLeakTests
{
    /// <summary>Answers every request with <paramref name="status"/> and a body made from the request's Authorization header.</summary>
    private sealed class EchoingHandler(HttpStatusCode status, Func<string, string> body) : HttpMessageHandler
    {
        public int Requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Interlocked.Increment(ref Requests);
            var auth = request.Headers.Authorization?.ToString() ?? "(none)";
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body(auth), Encoding.UTF8, "application/json") });
        }
    }

    /// <summary>Fails at the transport, quoting the header in the message and in an inner exception.</summary>
    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
            throw new HttpRequestException($"proxy refused request with header 'Authorization: {request.Headers.Authorization}'",
                new IOException($"connection reset while sending {request.Headers.Authorization}"));
    }

    private static string ErrorBody(string auth) =>
        $$$"""{"error":{"message":"Incorrect API key provided: {{{auth}}}","type":"invalid_request_error","code":"invalid_api_key"}}""";

    private static string EchoReply(string auth) =>
        $$$"""{"id":"c1","object":"chat.completion","created":1,"model":"judge","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"support (request had {{{auth}}})"}}]}""";

    [Fact]
    public async Task The_key_appears_in_no_console_output_exception_trace_or_report()
    {
        var variable = "VALUEDRIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var key = "sk-REL-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, key);
        var options = new ChatEndpointJudgeOptions { ApiKeyVariable = variable, MaxParallel = 2 };
        var endpoint = new Uri("http://localhost:9/v1");
        var handlers = new Dictionary<string, HttpMessageHandler>
        {
            ["401 echoing the header"] = new EchoingHandler(HttpStatusCode.Unauthorized, ErrorBody),
            ["500 echoing the header"] = new EchoingHandler(HttpStatusCode.InternalServerError, a => "upstream failed for " + a),
            ["transport exception quoting the header"] = new ThrowingHandler(),
            ["reply repeating the header"] = new EchoingHandler(HttpStatusCode.OK, EchoReply),
        };
        var judges = handlers.ToDictionary(h => h.Key, h => (IStanceJudge)ChatEndpointJudge.ForOpenAICompatible(endpoint, "judge", options, new HttpClient(h.Value)));
        // Any chat client: the key is only in the exception and its inner exception (and in Data, which structured loggers write).
        judges["client exception with the key"] = new ChatEndpointJudge(new FakeChatClient((_, _) =>
        {
            var inner = new InvalidOperationException($"Bearer {key} rejected");
            inner.Data["authorization"] = "Bearer " + key;
            throw new HttpRequestException($"401 for key {key}", inner);
        }), options);
        judges["client exception with the key in Data only"] = new ChatEndpointJudge(new FakeChatClient((_, _) =>
        {
            var e = new HttpRequestException("401 Unauthorized");
            e.Data["request.headers.authorization"] = "Bearer " + key;
            throw e;
        }), options);

        var dir = Fixtures.TempDir("secrets");
        var tracePath = Path.Combine(dir, "trace.jsonl");
        var console = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var exceptions = new List<Exception>();
        var rows = new List<IReadOnlyList<string>>();
        try
        {
            Console.SetOut(console);
            Console.SetError(console);
            using var trace = new TraceWriter(tracePath);
            int step = 0;
            foreach (var (name, judge) in judges)
            {
                Console.WriteLine($"probing with judge '{name}'");
                try
                {
                    var items = new[] { new JudgeItem("immigration", "Q1?", "A1"), new JudgeItem("immigration", "Q2?", "A2") };
                    var readings = judge is ChatEndpointJudge c
                        ? await c.ReadManyAsync(items)
                        : throw new InvalidOperationException("unexpected judge");
                    foreach (var r in readings)
                    {
                        Console.WriteLine($"  reading {r.Distribution} via {r.Readout}: {r.Reply}");
                        rows.Add([name, r.Readout.ToString(), r.Reply]);
                    }
                    trace.Append(new TraceRecord("sft", step++, "immigration", StanceDistribution.Mean(readings.Select(r => r.Distribution).ToList()), readings.Count));
                }
                catch (ValueDriftException e)
                {
                    // What a command-line run prints, and what a careless log would keep.
                    Console.Error.WriteLine("error: " + e.Message);
                    Console.Error.WriteLine(e.ToString());
                    exceptions.Add(e);
                    rows.Add([name, "error", e.Message]);
                }
            }
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Environment.SetEnvironmentVariable(variable, null);
        }

        var report = new HtmlReport("Judge run");
        report.AddParagraph($"{exceptions.Count} judge failures.");
        report.AddTable(["judge", "readout", "reply or error"], rows);
        var reportPath = Path.Combine(dir, "report.html");
        report.Save(reportPath, new HtmlReportOptions { Plotly = PlotlyScript.RelativePath, CopyPlotly = false });

        // The endpoints really failed (or replied), so there was something to leak.
        Assert.Equal(5, exceptions.Count);
        Assert.Contains(rows, r => r[1] == nameof(JudgeReadout.Text));
        Assert.Contains("Incorrect API key", console.ToString());
        Assert.Contains(SecretScrubber.Mask, console.ToString());

        var outputs = new Dictionary<string, string>
        {
            ["console"] = console.ToString(),
            ["trace"] = File.ReadAllText(tracePath),
            ["report"] = File.ReadAllText(reportPath),
            ["exception chains"] = string.Join("\n", exceptions.SelectMany(Chain).Select(x => x.ToString() + string.Join(",", x.Data.Values.Cast<object?>()))),
        };
        foreach (var (what, text) in outputs)
            Assert.False(text.Contains(key, StringComparison.Ordinal),
                $"the API key leaked into the {what}: " + string.Join(" | ", text.Split('\n').Where(l => l.Contains(key)).Select(l => l.Replace(key, "<KEY>").Trim()).Take(3)));
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }
}
