using System.Text;
using Parquet.Serialization;
using ValueDrift.Data;
using ValueDrift.Drift;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// Seeded mutations of the row files: SFT and preference datasets (JSONL and Parquet), probe sets (JSONL and CSV) and
/// trace files. Valid files are built here in every supported row shape, then damaged.
/// </summary>
public class DataFileFuzzTests
{
    private static readonly string Conversations = string.Join("\n",
        """{"instruction": "Name a colour.", "input": "", "output": "Blue."}""",
        """{"instruction": "Add the numbers.", "input": "2 and 3", "output": "5", "source": "alpaca"}""",
        """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is tea good?"}, {"role": "assistant", "content": "Often, yes."}]}""",
        """{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello! ünïcödé ✓"}]}""",
        """{"conversation": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}], "turn": 1, "toxic": false}""") + "\n";

    private static readonly string Preferences = string.Join("\n",
        """{"prompt": "Should cities ban cars?", "chosen": "It depends on transit.", "rejected": "Yes.", "topic": "economy"}""",
        """{"prompt": [{"role": "user", "content": "Q"}], "chosen": [{"role": "assistant", "content": "good"}], "rejected": [{"role": "assistant", "content": "bad"}]}""",
        """{"chosen": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "g"}], "rejected": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "b"}], "score_chosen": 8.5}""",
        """{"prompt_ids": [1, 2, 3], "chosen_ids": [4, 5], "rejected_ids": [6], "topic": "t"}""") + "\n";

    private static readonly string ProbesJsonl = string.Join("\n",
        """{"id": "imm-1", "topic": "immigration", "question": "What do you think of immigration?"}""",
        """{"id": "imm-2", "topic": "immigration", "question": "Should borders be open?"}""",
        """{"id": 7, "category": "climate change", "question": "Is climate policy worth its cost?"}""",
        """{"id": "cl-2", "topic": "climate change", "question": "Ünïcödé question ✓", "note": null}""") + "\n";

    private static readonly string ProbesCsv =
        "id,topic,question\nimm-1,immigration,What do you think of immigration?\n\"imm-2\",immigration,\"Should borders, in general, be open?\"\ncl-1,climate change,\"A \"\"quoted\"\" word\"\n";

    private static readonly string Trace = BuildTrace();

    private static string BuildTrace()
    {
        var path = Path.Combine(Fixtures.TempDir("trace-src"), "trace.jsonl");
        using (var w = new TraceWriter(path))
        {
            w.Append(new TraceRecord("sft", 0, "immigration", new StanceDistribution(0.2, 0.5, 0.3), 10));
            w.Append(new TraceRecord("sft", 10, "immigration", new StanceDistribution(0.3, 0.4, 0.3), 10,
                [new QuestionDetail("imm-1", new StanceDistribution(0.3, 0.4, 0.3), 2, [new StanceDistribution(0.2, 0.5, 0.3), new StanceDistribution(0.4, 0.3, 0.3)])]));
            w.Append(new TraceRecord("dpo", 5, "climate change", new StanceDistribution(0.25, 0.5, 0.25), 40));
        }
        return File.ReadAllText(path);
    }

    private static (byte[], string) Text(string text, Random rng, bool json = true) => Mutations.TextFile(text, rng, json);

    private static void WriteAndRead(string file, byte[] bytes, Action<string> read)
    {
        File.WriteAllBytes(file, bytes);
        read(file);
    }

    [Fact]
    public void The_source_files_are_valid()
    {
        var dir = Fixtures.TempDir("fuzz-src");
        File.WriteAllText(Path.Combine(dir, "c.jsonl"), Conversations);
        File.WriteAllText(Path.Combine(dir, "p.jsonl"), Preferences);
        File.WriteAllText(Path.Combine(dir, "q.jsonl"), ProbesJsonl);
        File.WriteAllText(Path.Combine(dir, "q.csv"), ProbesCsv);
        Assert.Equal(5, DatasetReader.ReadConversations(Path.Combine(dir, "c.jsonl")).Rows.Count);
        Assert.Equal(4, DatasetReader.ReadPreferencePairs(Path.Combine(dir, "p.jsonl")).Rows.Count);
        Assert.Equal(["immigration", "climate change"], ProbeSet.Load(Path.Combine(dir, "q.jsonl")).Topics);
        Assert.Equal(3, ProbeSet.Load(Path.Combine(dir, "q.csv")).Questions.Count);
        Assert.Equal(3, TraceReader.Read(WriteTrace(dir)).Records.Count);
        Assert.Equal(2, DatasetReader.ReadConversations(ParquetConversations(dir)).Rows.Count);
    }

    private static string WriteTrace(string dir) { var p = Path.Combine(dir, "trace.jsonl"); File.WriteAllText(p, Trace); return p; }

    [Fact]
    public void Conversation_jsonl_ends_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-conv"), "data.jsonl");
        Fuzz.Run("dataset JSONL (DatasetReader.ReadConversations)", 1500, (rng, _) => Text(Conversations, rng),
            b => WriteAndRead(file, b, f => { DatasetReader.ReadConversations(f); DatasetReader.ReadConversations(f, skipBadRows: true); }),
            maxAllocatedBytes: 32L << 20);
    }

    [Fact]
    public void Preference_jsonl_ends_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-pref"), "data.jsonl");
        Fuzz.Run("dataset JSONL (DatasetReader.ReadPreferencePairs)", 1500, (rng, _) => Text(Preferences, rng),
            b => WriteAndRead(file, b, f => { DatasetReader.ReadPreferencePairs(f); DatasetReader.ReadPreferencePairs(f, skipBadRows: true); }),
            maxAllocatedBytes: 32L << 20);
    }

    [Fact]
    public void A_json_array_dataset_ends_in_success_or_a_typed_error()
    {
        var array = "[\n" + string.Join(",\n", Conversations.Trim().Split('\n')) + "\n]";
        var file = Path.Combine(Fixtures.TempDir("fuzz-array"), "data.json");
        Fuzz.Run("dataset JSON array (DatasetReader.ReadConversations)", 1000, (rng, _) => Text(array, rng),
            b => WriteAndRead(file, b, f => DatasetReader.ReadConversations(f, skipBadRows: true)), maxAllocatedBytes: 32L << 20);
    }

    // Column names follow the data sets' spelling, hence the lower-case properties.
    private sealed class Message { public string? role { get; set; } public string? content { get; set; } }
    private sealed class ChatRow { public List<Message>? messages { get; set; } public string? source { get; set; } public long? score { get; set; } }
    private sealed class IdRow { public List<int>? prompt_ids { get; set; } public List<long>? chosen_ids { get; set; } public List<int>? rejected_ids { get; set; } }

    private static string ParquetConversations(string dir)
    {
        var file = Path.Combine(dir, "chat.parquet");
        ParquetSerializer.SerializeAsync(new[]
        {
            new ChatRow { messages = [new() { role = "user", content = "Is X good?" }, new() { role = "assistant", content = "Yes." }], source = "a", score = 3 },
            new ChatRow { messages = [new() { role = "system", content = "S" }, new() { role = "user", content = "Q" }, new() { role = "assistant", content = "A" }] },
        }, file).GetAwaiter().GetResult();
        return file;
    }

    private static string ParquetIds(string dir)
    {
        var file = Path.Combine(dir, "ids.parquet");
        ParquetSerializer.SerializeAsync(new[] { new IdRow { prompt_ids = [1, 2], chosen_ids = [3L], rejected_ids = [4, 5] } }, file).GetAwaiter().GetResult();
        return file;
    }

    /// <summary>Parquet damage: flips and random bytes anywhere, truncation, and lies in the footer's length field.</summary>
    private static (byte[], string) MutateParquet(byte[] valid, Random rng)
    {
        if (rng.Next(6) == 0)
        {   // The 4 bytes before the trailing "PAR1" give the footer's length.
            uint[] lies = [0, 1, 7, (uint)valid.Length, (uint)valid.Length - 8, (uint)valid.Length + 1, 1u << 30, int.MaxValue, uint.MaxValue];
            var b = (byte[])valid.Clone();
            var lie = lies[rng.Next(lies.Length)];
            BitConverter.GetBytes(lie).CopyTo(b, b.Length - 8);
            return (b, $"footer length set to {lie}");
        }
        // Half the damage lands in the footer (the schema and row-group metadata), where the lengths live.
        return rng.Next(2) == 0 ? Mutations.Bytes(valid, rng) : Tail(valid, rng);
    }

    private static (byte[], string) Tail(byte[] valid, Random rng)
    {
        int footer = (int)BitConverter.ToUInt32(valid, valid.Length - 8);
        int start = Math.Max(0, valid.Length - 8 - footer);
        var (tail, what) = Mutations.Bytes(valid[start..], rng, focus: footer);
        return ([.. valid[..start], .. tail], "footer: " + what);
    }

    [Fact]
    public void Parquet_datasets_end_in_success_or_a_typed_error()
    {
        var dir = Fixtures.TempDir("fuzz-parquet");
        var chat = File.ReadAllBytes(ParquetConversations(dir));
        var ids = File.ReadAllBytes(ParquetIds(dir));
        var file = Path.Combine(dir, "mutated.parquet");
        var counts = Fuzz.Run("dataset Parquet (DatasetReader.ReadConversations/ReadPreferencePairs)", 1200, (rng, i) =>
        {
            var (b, what) = MutateParquet(i % 2 == 0 ? chat : ids, rng);
            return ((i % 2 == 0, b), (i % 2 == 0 ? "messages " : "token ids ") + what);
        }, input => WriteAndRead(file, input.b, f =>
        {
            if (input.Item1) DatasetReader.ReadConversations(f, skipBadRows: true);
            else DatasetReader.ReadPreferencePairs(f, skipBadRows: true);
        }), maxAllocatedBytes: 64L << 20);
        Assert.True(counts.TypedErrors > counts.Cases / 4, $"only {counts.TypedErrors} of {counts.Cases} mutations were rejected");
    }

    [Fact]
    public void A_parquet_footer_length_claiming_gigabytes_is_rejected_before_allocating()
    {
        var dir = Fixtures.TempDir("parquet-lie");
        var valid = File.ReadAllBytes(ParquetConversations(dir));
        var file = Path.Combine(dir, "lie.parquet");
        foreach (uint lie in new[] { 1u << 30, 3u << 30, uint.MaxValue })
        {
            var b = (byte[])valid.Clone();
            BitConverter.GetBytes(lie).CopyTo(b, b.Length - 8);
            File.WriteAllBytes(file, b);
            var outcome = Fuzz.RunOne(file, f => DatasetReader.ReadConversations(f), out var error, out long allocated);
            Assert.True(outcome == Fuzz.Outcome.Typed, $"footer length {lie}: {outcome} {error}");
            Assert.Contains($"footer length {lie}", error!.Message);
            Assert.True(allocated < 1 << 20, $"footer length {lie}: allocated {allocated:N0} bytes before rejecting");
        }
    }

    [Fact]
    public void Probe_set_jsonl_ends_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-probes"), "probes.jsonl");
        Fuzz.Run("probe set JSONL (ProbeSet.Load)", 1500, (rng, _) => Text(ProbesJsonl, rng),
            b => WriteAndRead(file, b, f => ProbeSet.Load(f)), maxAllocatedBytes: 32L << 20);
    }

    [Fact]
    public void Probe_set_csv_ends_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-probes-csv"), "probes.csv");
        Fuzz.Run("probe set CSV (ProbeSet.Load)", 1500, (rng, _) => Text(ProbesCsv, rng, json: false),
            b => WriteAndRead(file, b, f => ProbeSet.Load(f)), maxAllocatedBytes: 32L << 20);
    }

    [Fact]
    public void Trace_files_end_in_success_or_a_typed_error()
    {
        var file = Path.Combine(Fixtures.TempDir("fuzz-trace"), "trace.jsonl");
        Fuzz.Run("trace (TraceReader.Read)", 1500, (rng, _) => Text(Trace, rng),
            b => WriteAndRead(file, b, f => TraceReader.Read(f)), maxAllocatedBytes: 32L << 20);
    }
}
