using System.Net;
using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// Caps the size of an endpoint's replies (judge and generator): a reply declaring more than the cap in Content-Length
/// is refused before its body is read, and a body without a length is read through a stream that stops at the cap, so
/// a server gone wrong (a loop, an echo of a huge request, a hostile host) cannot fill memory. Both raise
/// <see cref="ResponseTooLargeException"/> naming the URL. A label or a few sampled answers take a few kilobytes.
/// </summary>
public sealed class ResponseSizeLimit : DelegatingHandler
{
    /// <summary>The default cap: 16 MiB, thousands of times a judge's or a probe question's reply.</summary>
    public const long DefaultMaxBytes = 16L << 20;

    private readonly long _max;

    public ResponseSizeLimit(long maxBytes, HttpMessageHandler? inner = null) : base(inner ?? new HttpClientHandler())
    {
        if (maxBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "the reply size cap must be positive");
        _max = maxBytes;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct).ConfigureAwait(false);
        var url = request.RequestUri?.ToString() ?? "(endpoint)";
        if (response.Content.Headers.ContentLength is { } length && length > _max)
        {
            response.Dispose();
            throw new ResponseTooLargeException(url, _max, $"{length:N0} bytes");
        }
        var headers = response.Content.Headers.ToList();
        response.Content = new BoundedContent(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), _max, url);
        foreach (var (name, values) in headers) response.Content.Headers.TryAddWithoutValidation(name, values);
        return response;
    }

    /// <summary>The body as a stream that refuses to give more than the cap.</summary>
    private sealed class BoundedContent(Stream body, long max, string url) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None).ConfigureAwait(false);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            var buffer = new byte[81920];
            long total = 0;
            int n;
            while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                total += n;
                if (total > max) throw new ResponseTooLargeException(url, max, null);
                await stream.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(new BoundedStream(body, max, url));

        protected override bool TryComputeLength(out long length) { length = 0; return false; }

        protected override void Dispose(bool disposing)
        {
            if (disposing) body.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class BoundedStream(Stream inner, long max, string url) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Count(await inner.ReadAsync(buffer, ct).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > max) throw new ResponseTooLargeException(url, max, null);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
