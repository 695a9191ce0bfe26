using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace ValueDrift.Tests.Probes;

/// <summary>One request a <see cref="LoopbackServer"/> received.</summary>
public sealed record ReceivedRequest(string Method, string Path, JsonObject Body, string? Authorization);

/// <summary>
/// An HTTP server on 127.0.0.1 (a free port) started by the test itself, standing in for an OpenAI-compatible
/// endpoint: it records every request and answers with what <c>reply</c> returns (status, JSON body).
/// </summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ReceivedRequest, (int Status, string Body)> _reply;
    private readonly Task _loop;
    public List<ReceivedRequest> Requests { get; } = [];
    public Uri BaseUrl { get; }

    public LoopbackServer(Func<ReceivedRequest, (int Status, string Body)> reply)
    {
        _reply = reply;
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0)) { probe.Start(); port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        BaseUrl = new Uri($"http://127.0.0.1:{port}/v1");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception) { return; }   // stopped
            _ = Task.Run(() => Answer(ctx));
        }
    }

    private void Answer(HttpListenerContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
        var body = JsonNode.Parse(reader.ReadToEnd()) as JsonObject ?? [];
        var request = new ReceivedRequest(ctx.Request.HttpMethod, ctx.Request.Url!.AbsolutePath, body, ctx.Request.Headers["Authorization"]);
        lock (Requests) Requests.Add(request);
        var (status, text) = _reply(request);
        var bytes = Encoding.UTF8.GetBytes(text);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = bytes.Length;
        ctx.Response.OutputStream.Write(bytes);
        ctx.Response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
