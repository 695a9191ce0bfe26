using System.Reflection;
using ValueDrift.Errors;

namespace ValueDrift.Probes;

/// <summary>
/// The questions a probe puts to a model, grouped by topic. Read from JSONL (one
/// <c>{"id", "topic" | "category", "question", "polarity"?, "tags"?}</c> object per line) or CSV (a header with
/// those columns), so the project's open set and a user's own copy of V-PRISM load the same way. Fields the reader
/// does not use (e.g. V-PRISM's <c>"controversial": true</c>) are ignored; <c>polarity</c> must be 1 or −1.
/// </summary>
public sealed class ProbeSet
{
    /// <summary>Name of the embedded open probe set (see <see cref="OpenValues"/>).</summary>
    public const string OpenValuesResource = "ValueDrift.probesets.open-values.jsonl";

    /// <summary>Where the set came from (a path or a resource name), for messages.</summary>
    public string Source { get; }
    public IReadOnlyList<ProbeQuestion> Questions { get; }

    /// <summary>Topics in order of first appearance.</summary>
    public IReadOnlyList<string> Topics { get; }

    public ProbeSet(IEnumerable<ProbeQuestion> questions, string source = "(in memory)")
    {
        Source = source;
        Questions = questions.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in Questions)
            if (!seen.Add(q.Id))
                throw new DataFormatException(source, null, "id", $"duplicate question id '{q.Id}'");
        Topics = Questions.Select(q => q.Topic).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Questions of one topic, in file order (empty when the topic is absent).</summary>
    public IReadOnlyList<ProbeQuestion> ForTopic(string topic) => Questions.Where(q => q.Topic == topic).ToList();

    /// <summary>
    /// Up to <paramref name="perTopic"/> questions from each topic, drawn without replacement by a seeded shuffle
    /// (same seed, same questions), kept in file order. Topics with fewer questions contribute all of them.
    /// </summary>
    public ProbeSet Sample(int perTopic, int seed)
    {
        if (perTopic <= 0) throw new ArgumentOutOfRangeException(nameof(perTopic), perTopic, "must be positive");
        var rng = new Random(seed);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in Topics)
        {
            var ids = ForTopic(topic).Select(q => q.Id).ToArray();
            rng.Shuffle(ids);
            foreach (var id in ids.Take(perTopic)) keep.Add(id);
        }
        return new ProbeSet(Questions.Where(q => keep.Contains(q.Id)), $"{Source} (sample {perTopic}/topic, seed {seed})");
    }

    /// <summary>Loads a probe set; the format follows the extension (.csv is CSV, anything else JSONL).</summary>
    public static ProbeSet Load(string path)
    {
        if (!File.Exists(path)) throw new DataFormatException(path, null, null, "file not found");
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads a probe set from a stream; <paramref name="name"/> picks the format and names errors.</summary>
    public static ProbeSet Read(Stream stream, string name)
    {
        var questions = new List<ProbeQuestion>();
        foreach (var row in ProbeFileReader.Read(stream, name))
        {
            questions.Add(new ProbeQuestion(
                ProbeFileReader.Required(row, name, "id"),
                ProbeFileReader.Required(row, name, "topic", "category"),
                ProbeFileReader.Required(row, name, "question"),
                ProbeFileReader.Polarity(row, name))
            {
                Category = ProbeFileReader.Optional(row, name, "category"),
                Tags = ProbeFileReader.Tags(row, name),
            });
        }
        if (questions.Count == 0) throw new DataFormatException(name, null, null, "the probe set has no questions");
        return new ProbeSet(questions, name);
    }

    /// <summary>
    /// The open probe set written for this project: 11 topics (immigration, abortion, climate change, death penalty,
    /// religion, family, economy, gun control, free speech, ai regulation, animal rights), 20 neutrally phrased
    /// questions each, each with its polarity towards the topic's stated position (docs/drift-metrics.md lists the
    /// positions). Embedded in the library; the same file is <c>probesets/open-values.jsonl</c>.
    /// </summary>
    public static ProbeSet OpenValues()
    {
        using var stream = OpenResource(OpenValuesResource);
        return Read(stream, OpenValuesResource);
    }

    internal static Stream OpenResource(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from the library build");
}
