using System.Text;
using System.Text.Json;
using TorchSharp;
using ValueDrift.Errors;
using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>One tensor's entry in a safetensors header: dtype, shape, and byte range within the data section.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// Reads and writes the safetensors format (8-byte little-endian header length, a JSON header, raw little-endian
/// data). We parse it ourselves rather than through TorchSharp.PyBridge because PyBridge's reader trusts the header:
/// we need every lie in a file (truncation, overlapping or out-of-range offsets, a byte count that does not match the
/// shape, an absurd header length) to end in a <see cref="CheckpointException"/> naming the file and tensor before
/// any allocation is sized from it. Never unpickles anything.
/// </summary>
public sealed class SafetensorsFile
{
    /// <summary>Largest header we accept; real headers are kilobytes. Guards against a lying length field.</summary>
    public const long MaxHeaderBytes = 100L << 20;

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    private readonly long _dataStart;

    private SafetensorsFile(string path, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata, long dataStart)
    {
        Path = path; Entries = entries; Metadata = metadata; _dataStart = dataStart;
    }

    public static int ElementSize(string dtype, string file, string tensor) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new CheckpointException(file, tensor, $"unsupported dtype '{dtype}'"),
    };

    public static ScalarType ToScalarType(string dtype, string file, string tensor) => dtype switch
    {
        "F64" => ScalarType.Float64, "F32" => ScalarType.Float32, "F16" => ScalarType.Float16, "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64, "I32" => ScalarType.Int32, "I16" => ScalarType.Int16, "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte, "BOOL" => ScalarType.Bool,
        _ => throw new CheckpointException(file, tensor, $"dtype '{dtype}' cannot be loaded as a tensor"),
    };

    public static string FromScalarType(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64", ScalarType.Float32 => "F32", ScalarType.Float16 => "F16", ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64", ScalarType.Int32 => "I32", ScalarType.Int16 => "I16", ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8", ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"dtype {t} cannot be saved to safetensors"),
    };

    /// <summary>Opens <paramref name="path"/> and validates its whole header against the file's size.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, "file not found");
        long fileLength;
        byte[] header;
        try
        {
            using var fs = File.OpenRead(path);
            fileLength = fs.Length;
            if (fileLength < 8) throw new CheckpointException(path, null, $"truncated: {fileLength} bytes, too short for a safetensors header");
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            ulong n = BitConverter.ToUInt64(lenBytes);
            if (n < 2 || n > (ulong)Math.Min(MaxHeaderBytes, fileLength - 8))
                throw new CheckpointException(path, null, $"header length {n} is impossible for a file of {fileLength} bytes");
            header = new byte[n];
            fs.ReadExactly(header);
        }
        catch (IOException e) { throw new CheckpointException(path, null, "cannot read: " + e.Message, e); }

        long dataStart = 8 + header.Length, dataLength = fileLength - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>();
        try { _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(header); }
        catch (DecoderFallbackException e) { throw new CheckpointException(path, null, "header is not valid UTF-8", e); }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw new CheckpointException(path, null, "header is not valid JSON: " + e.Message, e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, null, "header is not a JSON object");
            try { ParseHeader(path, doc.RootElement, dataLength, entries, metadata); }
            catch (InvalidOperationException e)
            {   // JsonDocument accepts an escaped lone surrogate ("\ud800") and fails only when the string is read.
                throw new CheckpointException(path, null, "header holds a string that is not valid UTF-16: " + e.Message, e);
            }
        }

        // Ranges must not overlap: two tensors sharing bytes is a corrupt (or malicious) file. As in the format's own
        // reader, the data must be indexed entirely: no hole between tensors and no bytes after the last one.
        long prevEnd = 0; string? prevName = null;
        foreach (var e in entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < prevEnd) throw new CheckpointException(path, e.Name, $"byte range [{e.Begin}, {e.End}) overlaps tensor '{prevName}'");
            if (e.Begin > prevEnd) throw new CheckpointException(path, e.Name, $"byte range [{e.Begin}, {e.End}) leaves bytes [{prevEnd}, {e.Begin}) that no tensor holds");
            prevEnd = e.End; prevName = e.Name;
        }
        if (prevEnd != dataLength)
            throw new CheckpointException(path, null, $"{dataLength - prevEnd} byte(s) after the last tensor's data that no tensor holds (the data is {dataLength} bytes, the tensors end at {prevEnd})");
        return new SafetensorsFile(path, entries, metadata, dataStart);
    }

    private static void ParseHeader(string path, JsonElement root, long dataLength, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        foreach (var prop in root.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, "__metadata__", "must be an object of strings");
                foreach (var m in prop.Value.EnumerateObject())
                    if (!metadata.TryAdd(m.Name, m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new CheckpointException(path, "__metadata__", $"value of '{m.Name}' is not a string")))
                        throw new CheckpointException(path, "__metadata__", $"key '{m.Name}' appears twice");
                continue;
            }
            // JSON readers differ on a repeated key (first or last wins): refused, so no two tools read different weights.
            if (!entries.TryAdd(prop.Name, ParseEntry(path, prop.Name, prop.Value, dataLength)))
                throw new CheckpointException(path, prop.Name, "tensor appears twice in the header");
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement v, long dataLength)
    {
        if (v.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, name, "entry is not an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw new CheckpointException(path, name, "missing 'dtype'");
        string dtype = dt.GetString()!;
        int elem = ElementSize(dtype, path, name);
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array || sh.GetArrayLength() > 8)
            throw new CheckpointException(path, name, "missing or invalid 'shape'");
        var shape = new long[sh.GetArrayLength()];
        long numel = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long x) || x < 0) throw new CheckpointException(path, name, "shape holds a value that is not a non-negative integer");
            shape[i++] = x;
            numel = x == 0 ? 0 : (numel > long.MaxValue / x ? throw new CheckpointException(path, name, "shape overflows") : numel * x);
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointException(path, name, "missing or invalid 'data_offsets'");
        if (off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number
            || !off[0].TryGetInt64(out long b) || !off[1].TryGetInt64(out long e) || b < 0 || e < b)
            throw new CheckpointException(path, name, "data_offsets are not an increasing pair of non-negative integers");
        if (e > dataLength) throw new CheckpointException(path, name, $"data_offsets end {e} lies beyond the data section ({dataLength} bytes): file truncated or header lies");
        if (numel > long.MaxValue / elem || numel * elem != e - b)
            throw new CheckpointException(path, name, $"byte range holds {e - b} bytes but dtype {dtype} × shape [{string.Join(", ", shape)}] needs {(numel > long.MaxValue / elem ? "more" : (numel * elem).ToString())}");
        return new SafetensorsEntry(name, dtype, shape, b, e);
    }

    /// <summary>Reads one tensor (in its stored dtype) onto the CPU.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var e)) throw new CheckpointException(Path, name, "not in this file");
        var dtype = ToScalarType(e.DType, Path, name);
        if (e.ByteLength > Array.MaxLength) throw new CheckpointException(Path, name, $"tensor of {e.ByteLength} bytes is larger than one read can hold");
        var buffer = new byte[e.ByteLength];
        try
        {
            using var fs = File.OpenRead(Path);
            fs.Position = _dataStart + e.Begin;
            fs.ReadExactly(buffer);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException)
        {
            throw new CheckpointException(Path, name, "cannot read tensor bytes: " + ex.Message, ex);
        }
        var t = empty(e.Shape, dtype);
        if (buffer.Length > 0) t.bytes = buffer;
        return t;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as one safetensors file, atomically. Tensors are written in their own
    /// dtype and in name order; the header is padded with spaces to an 8-byte boundary as the format recommends.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        using var w = new Utf8JsonWriterBuffer();
        var json = w.Writer;
        json.WriteStartObject();
        json.WriteStartObject("__metadata__");
        foreach (var (k, v) in metadata ?? new Dictionary<string, string> { ["format"] = "pt" }) json.WriteString(k, v);
        json.WriteEndObject();
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long len = t.NumberOfElements * t.ElementSize;
            json.WriteStartObject(name);
            json.WriteString("dtype", FromScalarType(t.dtype));
            json.WriteStartArray("shape");
            foreach (var d in t.shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            json.WriteStartArray("data_offsets");
            json.WriteNumberValue(offset); json.WriteNumberValue(offset + len);
            json.WriteEndArray();
            json.WriteEndObject();
            offset += len;
        }
        json.WriteEndObject();
        json.Flush();
        var headerBytes = w.ToArray();
        int pad = (8 - headerBytes.Length % 8) % 8;

        IO.AtomicFile.Write(path, s =>
        {
            s.Write(BitConverter.GetBytes((ulong)(headerBytes.Length + pad)));
            s.Write(headerBytes);
            for (int i = 0; i < pad; i++) s.WriteByte((byte)' ');
            foreach (var (_, t) in list)
            {
                using var c = t.detach().cpu().contiguous();
                if (c.NumberOfElements > 0) s.Write(c.bytes);
            }
        });
    }

    private sealed class Utf8JsonWriterBuffer : IDisposable
    {
        private readonly MemoryStream _ms = new();
        public Utf8JsonWriter Writer { get; }
        public Utf8JsonWriterBuffer() => Writer = new Utf8JsonWriter(_ms);
        public byte[] ToArray() => _ms.ToArray();
        public void Dispose() { Writer.Dispose(); _ms.Dispose(); }
    }
}
