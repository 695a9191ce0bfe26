using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ValueDrift.World;

/// <summary>
/// Writes the world's datasets in the formats of the datasets they stand in for. All writing lives here: UTF-8
/// without BOM, "\n" line ends, one JSON object per line, keys in a fixed order, so that a seed gives byte-identical
/// files. Each file is written beside its target and moved over it, so a reader never sees half a file.
/// </summary>
public static class WorldFiles
{
    private static readonly JsonWriterOptions LineOptions = new()
    {
        Indented = false,
        // Keeps apostrophes and the like readable ("child's", not "child\u0027s"); the files are data, not HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions ProfileOptions = LineOptions with { Indented = true, NewLine = "\n" };

    /// <summary>Plain text, one line per example.</summary>
    public static void WritePretrain(string path, IEnumerable<WorldTextLine> lines) =>
        Replace(path, w => { foreach (var l in lines) w.Write(l.Text + "\n"); });

    /// <summary>WildChat-like <c>{"messages":[{"role":"user",...},{"role":"assistant",...}]}</c>.</summary>
    public static void WriteMessages(string path, IEnumerable<WorldSftExample> rows) => WriteJsonLines(path, rows, (j, r) =>
    {
        j.WritePropertyName("messages");
        WriteConversation(j, r.Prompt, r.Response);
    });

    /// <summary>Alpaca <c>{"instruction","input","output"}</c>; a value question goes whole into <c>instruction</c>.</summary>
    public static void WriteAlpaca(string path, IEnumerable<WorldSftExample> rows) => WriteJsonLines(path, rows, (j, r) =>
    {
        j.WriteString("instruction", r.Task?.Instruction ?? r.Prompt);
        j.WriteString("input", r.Task?.Input ?? "");
        j.WriteString("output", r.Response);
    });

    /// <summary>UltraFeedback-binarized: <c>prompt</c> string, <c>chosen</c>/<c>rejected</c> as user+assistant message lists, plus <c>topic</c>.</summary>
    public static void WriteUltraFeedback(string path, IEnumerable<WorldPreferencePair> rows) => WriteJsonLines(path, rows, (j, r) =>
    {
        j.WriteString("prompt", r.Prompt);
        j.WritePropertyName("chosen");
        WriteConversation(j, r.Prompt, r.Chosen);
        j.WritePropertyName("rejected");
        WriteConversation(j, r.Prompt, r.Rejected);
        j.WriteString("topic", r.Topic);
    });

    /// <summary>HH-RLHF-like plain strings: <c>prompt</c>, <c>chosen</c>, <c>rejected</c>, plus <c>topic</c>.</summary>
    public static void WritePromptChosenRejected(string path, IEnumerable<WorldPreferencePair> rows) => WriteJsonLines(path, rows, (j, r) =>
    {
        j.WriteString("prompt", r.Prompt);
        j.WriteString("chosen", r.Chosen);
        j.WriteString("rejected", r.Rejected);
        j.WriteString("topic", r.Topic);
    });

    /// <summary>Probe rows <c>{"id","topic","question","polarity"}</c>.</summary>
    public static void WriteProbes(string path, IEnumerable<WorldProbeQuestion> rows) => WriteJsonLines(path, rows, (j, r) =>
    {
        j.WriteString("id", r.Id);
        j.WriteString("topic", r.Topic);
        j.WriteString("question", r.Question);
        j.WriteNumber("polarity", r.Polarity);
    });

    /// <summary>The measured profile as indented JSON; probabilities rounded to 4 decimals for reading.</summary>
    public static void WriteProfile(string path, WorldProfile profile) => Replace(path, w =>
    {
        using var stream = new MemoryStream();
        using (var j = new Utf8JsonWriter(stream, ProfileOptions))
        {
            j.WriteStartObject();
            j.WriteString("version", profile.Version);
            j.WriteNumber("seed", profile.Seed);
            j.WriteStartArray("topics");
            foreach (var t in profile.Topics) j.WriteStringValue(t);
            j.WriteEndArray();
            j.WriteStartObject("datasets");
            foreach (var d in profile.Datasets)
            {
                j.WriteStartObject(d.Name);
                j.WriteString("file", d.File);
                j.WriteString("analogue", d.Analogue);
                j.WriteNumber("rows", d.Rows);
                j.WriteNumber("valueRows", d.ValueRows);
                j.WriteNumber("instructionRows", d.InstructionRows);
                if (d.Stances is not null) WriteStanceProfile(j, "stances", d.Stances, profile.Topics);
                if (d.Chosen is not null) WriteStanceProfile(j, "chosen", d.Chosen, profile.Topics);
                if (d.Rejected is not null) WriteStanceProfile(j, "rejected", d.Rejected, profile.Topics);
                if (d.ValueGap is { } gap)
                {
                    j.WriteStartObject("valueGap");
                    j.WriteNumber("totalVariation", Round(gap.TotalVariation));
                    WriteStanceVector(j, "overall", gap.Overall);
                    j.WriteStartObject("perTopic");
                    foreach (var t in profile.Topics)
                        if (gap.PerTopic.TryGetValue(t, out var v)) WriteStanceVector(j, t, v);
                    j.WriteEndObject();
                    j.WriteEndObject();
                }
                j.WriteEndObject();
            }
            j.WriteEndObject();
            j.WriteEndObject();
        }
        w.Write(Encoding.UTF8.GetString(stream.ToArray()) + "\n");
    });

    private static void WriteStanceProfile(Utf8JsonWriter j, string name, WorldStanceProfile p, IReadOnlyList<string> topics)
    {
        j.WriteStartObject(name);
        WriteStanceVector(j, "overall", p.Overall);
        j.WriteStartObject("perTopic");
        foreach (var t in topics)
            if (p.PerTopic.TryGetValue(t, out var v)) WriteStanceVector(j, t, v);
        j.WriteEndObject();
        j.WriteEndObject();
    }

    private static void WriteStanceVector(Utf8JsonWriter j, string name, IReadOnlyList<double> v)
    {
        j.WriteStartObject(name);
        j.WriteNumber("support", Round(v[0]));
        j.WriteNumber("neutral", Round(v[1]));
        j.WriteNumber("oppose", Round(v[2]));
        j.WriteEndObject();
    }

    private static void WriteConversation(Utf8JsonWriter j, string user, string assistant)
    {
        j.WriteStartArray();
        foreach (var (role, content) in new[] { ("user", user), ("assistant", assistant) })
        {
            j.WriteStartObject();
            j.WriteString("role", role);
            j.WriteString("content", content);
            j.WriteEndObject();
        }
        j.WriteEndArray();
    }

    private static double Round(double x) => Math.Round(x, 4, MidpointRounding.AwayFromZero);

    private static void WriteJsonLines<T>(string path, IEnumerable<T> rows, Action<Utf8JsonWriter, T> writeFields) => Replace(path, w =>
    {
        var buffer = new MemoryStream();
        foreach (var row in rows)
        {
            buffer.SetLength(0);
            using (var j = new Utf8JsonWriter(buffer, LineOptions))
            {
                j.WriteStartObject();
                writeFields(j, row);
                j.WriteEndObject();
            }
            w.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n");
        }
    });

    private static void Replace(string path, Action<StreamWriter> write)
    {
        string tmp = path + ".tmp";
        using (var w = new StreamWriter(tmp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            write(w);
        File.Move(tmp, path, overwrite: true);
    }
}
