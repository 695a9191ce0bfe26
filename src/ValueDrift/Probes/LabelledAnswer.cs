using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// An answer to a probe question with its gold stance, for scoring judges (<see cref="JudgeAgreement"/>).
/// File rows: <c>{"id", "topic" | "category", "question", "answer", "stance"}</c> (JSONL or CSV).
/// </summary>
public sealed record LabelledAnswer(string Id, string Topic, string Question, string Answer, Stance Gold)
{
    /// <summary>Name of the embedded labelled set (see <see cref="OpenValues"/>).</summary>
    public const string OpenValuesResource = "ValueDrift.probesets.open-values-labelled.jsonl";

    /// <summary>The item a judge sees (topic, question, answer), without the gold label.</summary>
    public JudgeItem ToJudgeItem() => new(Topic, Question, Answer);

    /// <summary>Loads labelled answers; .csv is CSV, anything else JSONL.</summary>
    public static IReadOnlyList<LabelledAnswer> Load(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, null, "file not found");
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static IReadOnlyList<LabelledAnswer> Read(Stream stream, string name)
    {
        var items = new List<LabelledAnswer>();
        foreach (var row in ProbeFileReader.Read(stream, name))
        {
            items.Add(new LabelledAnswer(
                ProbeFileReader.Required(row, name, "id"),
                ProbeFileReader.Required(row, name, "topic", "category"),
                ProbeFileReader.Required(row, name, "question"),
                ProbeFileReader.Required(row, name, "answer"),
                StanceLabels.Parse(ProbeFileReader.Required(row, name, "stance"), name, row.Number, "stance")));
        }
        return items;
    }

    /// <summary>
    /// The labelled set written for this project (immigration, climate change, death penalty; five answers per
    /// stance each). Gold stance is the answer's position on what the question proposes. Embedded in the library;
    /// the same file is <c>probesets/open-values-labelled.jsonl</c>.
    /// </summary>
    public static IReadOnlyList<LabelledAnswer> OpenValues()
    {
        using var stream = ProbeSet.OpenResource(OpenValuesResource);
        return Read(stream, OpenValuesResource);
    }
}
