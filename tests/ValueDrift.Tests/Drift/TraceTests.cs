using System.Text;
using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Drift;

[Trait("tier", "fast")]
public class TraceTests
{
    private static TraceRecord Detailed(int step) => TraceRecord.FromQuestions("sft", step, "immigration",
    [
        new QuestionDetail("immigration-01", StanceDistribution.Mean([new(0.7, 0.2, 0.1), new(0.5, 0.3, 0.2)]), 2,
            [new(0.7, 0.2, 0.1), new(0.5, 0.3, 0.2)]),
        new QuestionDetail("immigration-02", new StanceDistribution(0.1, 0.1, 0.8), 1),
    ]);

    private static string NewTrace() => Path.Combine(Fixtures.TempDir("trace"), "trace.jsonl");

    [Fact]
    public void Round_trips_records_with_question_and_answer_detail()
    {
        var path = NewTrace();
        using (var w = new TraceWriter(path))
        {
            w.Append(Detailed(0));
            w.Append(new TraceRecord("dpo", 5, "climate change", new StanceDistribution(0.25, 0.5, 0.25), 40));
        }
        var read = TraceReader.Read(path);
        Assert.Equal(0, read.TornLinesIgnored);
        Assert.Equal(2, read.Records.Count);
        var r = read.Records[0];
        Assert.Equal(("sft", 0, "immigration", 3), (r.Phase, r.Step, r.Topic, r.N));
        // paper's average: answers within a question, then questions
        Assert.Equal(((0.7 + 0.5) / 2 + 0.1) / 2, r.Value.Support, 12);
        Assert.Equal(2, r.Questions!.Count);
        Assert.Equal(0.5, r.Questions[0].Answers![1].Support);
        Assert.Null(r.Questions[1].Answers);
        Assert.Null(read.Records[1].Questions);
        Assert.Equal(0.5, read.Records[1].Value.Neutral);

        var line = File.ReadLines(path).Last();
        Assert.StartsWith("{\"phase\":\"dpo\",\"step\":5,\"topic\":\"climate change\",\"support\":0.25,\"neutral\":0.5,\"oppose\":0.25,\"n\":40", line);
    }

    [Fact]
    public void Each_line_is_on_disk_before_the_writer_is_closed_and_reopening_appends()
    {
        var path = NewTrace();
        using (var w = new TraceWriter(path))
        {
            w.Append(Detailed(0));
            // Another reader sees the line while the writer is still open: nothing is held in a buffer.
            Assert.Single(TraceReader.Read(path).Records);
            w.Append(Detailed(10));
        }
        using (var w = new TraceWriter(path))
        {
            Assert.Equal(0, w.TruncatedBytes);
            w.Append(Detailed(20));
        }
        Assert.Equal([0, 10, 20], TraceReader.Read(path).Records.Select(r => r.Step));
    }

    [Fact]
    public void A_torn_last_line_is_ignored_and_cut_when_the_trace_is_reopened()
    {
        var path = NewTrace();
        using (var w = new TraceWriter(path)) { w.Append(Detailed(0)); w.Append(Detailed(10)); }
        const string torn = "{\"phase\":\"sft\",\"step\":20,\"topic\":\"immig";
        File.AppendAllText(path, torn);

        var read = TraceReader.Read(path);
        Assert.Equal(2, read.Records.Count);
        Assert.Equal(1, read.TornLinesIgnored);

        using (var w = new TraceWriter(path))
        {
            Assert.Equal(Encoding.UTF8.GetByteCount(torn), w.TruncatedBytes);
            w.Append(Detailed(20));
        }
        var again = TraceReader.Read(path);
        Assert.Equal(0, again.TornLinesIgnored);
        Assert.Equal([0, 10, 20], again.Records.Select(r => r.Step));
    }

    [Fact]
    public void A_malformed_line_elsewhere_names_file_line_and_field()
    {
        var path = NewTrace();
        File.WriteAllText(path,
            "{\"phase\":\"sft\",\"step\":0,\"topic\":\"t\",\"support\":0.2,\"neutral\":0.3,\"oppose\":0.5,\"n\":10}\n" +
            "{\"phase\":\"sft\",\"step\":1,\"topic\":\"t\",\"support\":0.2,\"neutral\":0.3,\"n\":10}\n" +
            "{\"phase\":\"sft\",\"step\":2,\"topic\":\"t\",\"support\":0.2,\"neutral\":0.3,\"oppose\":0.5,\"n\":10}\n");
        var e = Assert.Throws<DataFormatException>(() => TraceReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Row);
        Assert.Equal("oppose", e.Field);

        // A bad last line that does end with a newline was written whole: it is an error, not a torn write.
        File.WriteAllText(path,
            "{\"phase\":\"sft\",\"step\":0,\"topic\":\"t\",\"support\":0.2,\"neutral\":0.3,\"oppose\":0.5,\"n\":10}\n" +
            "{\"phase\":\"sft\",\"step\":1,\"topic\":\"t\",\"support\":0.6,\"neutral\":0.3,\"oppose\":0.5,\"n\":10}\n");
        var e2 = Assert.Throws<DataFormatException>(() => TraceReader.Read(path));
        Assert.Equal(2, e2.Row);
        Assert.Contains("sum to 1", e2.Message);

        File.WriteAllText(path, "{\"phase\":\"sft\",\"step\":\"x\"}\n{}\n");
        Assert.Equal(1, Assert.Throws<DataFormatException>(() => TraceReader.Read(path)).Row);
    }
}
