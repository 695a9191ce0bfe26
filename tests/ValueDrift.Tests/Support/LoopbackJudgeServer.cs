using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ValueDrift.Tests.Support;

/// <summary>What the stand-in endpoint answers to one request.</summary>
public sealed record JudgeServerReply(int Status, string Body)
{
    /// <summary>A reply whose first token carries these top log-probs (the OpenAI wire format); content is the first token.</summary>
    public static JudgeServerReply LogProbs(params (string Token, double LogProb)[] top)
    {
        static string Lp(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        var tops = string.Join(",", top.Select(t => $$$"""{"token":{{{JsonSerializer.Serialize(t.Token)}}},"logprob":{{{Lp(t.LogProb)}}},"bytes":null}"""));
        var content = JsonSerializer.Serialize(top[0].Token);
        return new(200, $$$"""
            {"id":"c","object":"chat.completion","created":1,"model":"judge","choices":[{"index":0,"finish_reason":"stop",
             "message":{"role":"assistant","content":{{{content}}}},
             "logprobs":{"content":[{"token":{{{content}}},"logprob":{{{Lp(top[0].LogProb)}}},"bytes":null,"top_logprobs":[{{{tops}}}]}]}}]}
            """);
    }

    /// <summary>A reply with text only (a server that ignores the log-probs request).</summary>
    public static JudgeServerReply Text(string content) => new(200, $$$"""
        {"id":"c","object":"chat.completion","created":1,"model":"judge","choices":[{"index":0,"finish_reason":"stop",
         "message":{"role":"assistant","content":{{{JsonSerializer.Serialize(content)}}}}}]}
        """);

    /// <summary>An error status with an OpenAI-style error body.</summary>
    public static JudgeServerReply Error(int status) =>
        new(status, $$$"""{"error":{"message":"stand-in error {{{status}}}","type":"server_error","code":null}}""");
}

/// <summary>
/// An OpenAI-compatible chat endpoint on 127.0.0.1, started by the test itself: it answers POST
/// <c>/v1/chat/completions</c> with what <c>answer</c> returns for the request's last user message and the number of
/// times that message was seen before, and counts the requests. Nothing leaves the machine.
/// </summary>
public sealed class LoopbackJudgeServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, int, JudgeServerReply> _answer;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private int _requests;

    public Uri Endpoint { get; }
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Authorization headers received, in order.</summary>
    public List<string?> Authorizations { get; } = [];

    /// <param name="answer">(last user message, times seen before) → reply.</param>
    public LoopbackJudgeServer(Func<string, int, JudgeServerReply> answer)
    {
        _answer = answer;
        var port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{port}/v1");
        _loop = Task.Run(Serve);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Handle(ctx));
        }
    }

    private async Task Handle(HttpListenerContext ctx)
    {
        Interlocked.Increment(ref _requests);
        string body;
        using (var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
        int seen;
        string user;
        lock (_seen)
        {
            Authorizations.Add(ctx.Request.Headers["Authorization"]);
            using var doc = JsonDocument.Parse(body);
            user = doc.RootElement.GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString() ?? "";
            seen = _seen.GetValueOrDefault(user);
            _seen[user] = seen + 1;
        }
        var reply = _answer(user, seen);
        var bytes = Encoding.UTF8.GetBytes(reply.Body);
        ctx.Response.StatusCode = reply.Status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
