using System.Text.Json;
using System.Text.RegularExpressions;
using ValueDrift.Errors;
using ValueDrift.Probes;
using Xunit;

namespace ValueDrift.Tests.Probes;

[Trait("tier", "fast")]
public class ProbeSetTests
{
    private static string Write(string name, string text)
    {
        var path = Path.Combine(Fixtures.TempDir("probeset"), name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Reads_jsonl_with_topic_or_category()
    {
        var path = Write("p.jsonl",
            "{\"id\":\"a-1\",\"topic\":\"alpha\",\"question\":\"Q1?\"}\n\n" +
            "{\"id\":\"b-1\",\"category\":\"beta\",\"question\":\"Q2?\"}\n" +
            "{\"id\":\"a-2\",\"topic\":\"alpha\",\"question\":\"Q3?\"}\n");
        var set = ProbeSet.Load(path);
        Assert.Equal(["alpha", "beta"], set.Topics);
        Assert.Equal(["a-1", "a-2"], set.ForTopic("alpha").Select(q => q.Id));
        Assert.Equal(new ProbeQuestion("b-1", "beta", "Q2?") { Category = "beta" }, set.ForTopic("beta").Single());
    }

    [Fact]
    public void Reads_csv_with_quoted_fields()
    {
        var path = Write("p.csv", "id,category,question\nx-1,gamma,\"Should we, or not?\"\nx-2,gamma,\"He said \"\"no\"\".\"\n");
        var set = ProbeSet.Load(path);
        Assert.Equal(2, set.Questions.Count);
        Assert.Equal("Should we, or not?", set.Questions[0].Question);
        Assert.Equal("He said \"no\".", set.Questions[1].Question);
        Assert.Equal("gamma", set.Questions[1].Topic);
    }

    [Fact]
    public void Malformed_jsonl_names_file_row_and_field()
    {
        var path = Write("bad.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q\"}\n{\"id\":\"b\",\"topic\":\"t\"}\n");
        var e = Assert.Throws<DataFormatException>(() => ProbeSet.Load(path));
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Row);
        Assert.Equal("question", e.Field);

        var path2 = Write("bad2.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q\"}\n{not json\n");
        var e2 = Assert.Throws<DataFormatException>(() => ProbeSet.Load(path2));
        Assert.Equal(2, e2.Row);

        var path3 = Write("bad3.jsonl", "{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q\"}\n{\"id\":\"a\",\"topic\":\"t\",\"question\":\"q2\"}\n");
        Assert.Contains("duplicate", Assert.Throws<DataFormatException>(() => ProbeSet.Load(path3)).Message);
    }

    [Fact]
    public void Malformed_csv_names_row_and_field()
    {
        var missingTopic = Write("bad.csv", "id,topic,question\nx-1,t,q\nx-2,,q\n");
        var e = Assert.Throws<DataFormatException>(() => ProbeSet.Load(missingTopic));
        Assert.Equal(2, e.Row);
        Assert.Equal("topic or category", e.Field);

        var noColumn = Write("bad2.csv", "id,question\nx-1,q\n");
        Assert.Equal("topic or category", Assert.Throws<DataFormatException>(() => ProbeSet.Load(noColumn)).Field);

        var ragged = Write("bad3.csv", "id,topic,question\nx-1,t,q\nx-2,t,q,extra\n");
        var e3 = Assert.Throws<DataFormatException>(() => ProbeSet.Load(ragged));
        Assert.Equal(ragged, e3.File);
    }

    [Fact]
    public void Sample_is_seeded_and_takes_per_topic()
    {
        var set = ProbeSet.OpenValues();
        var a = set.Sample(3, seed: 7);
        var b = set.Sample(3, seed: 7);
        var c = set.Sample(3, seed: 8);
        Assert.Equal(a.Questions, b.Questions);
        Assert.NotEqual(a.Questions, c.Questions);
        Assert.All(set.Topics, t => Assert.Equal(3, a.ForTopic(t).Count));
        Assert.Equal(set.Topics, a.Topics);
        // a sample keeps file order
        var order = set.Questions.Select(q => q.Id).ToList();
        var idx = a.Questions.Select(q => order.IndexOf(q.Id)).ToList();
        Assert.Equal(idx.OrderBy(i => i), idx);
    }

    [Fact]
    public void Open_set_has_eleven_topics_of_twenty_questions_with_slug_ids()
    {
        var set = ProbeSet.OpenValues();
        string[] required = ["immigration", "abortion", "climate change", "death penalty", "religion", "family", "economy"];
        Assert.All(required, t => Assert.Contains(t, set.Topics));
        Assert.Equal(11, set.Topics.Count);
        foreach (var topic in set.Topics)
        {
            var qs = set.ForTopic(topic);
            Assert.True(qs.Count >= 20, $"{topic} has {qs.Count} questions");
            var slug = topic.Replace(' ', '-');
            Assert.All(qs, q => Assert.Matches(new Regex($"^{Regex.Escape(slug)}-\\d{{2}}$"), q.Id));
            Assert.Equal(qs.Count, qs.Select(q => q.Question).Distinct().Count());
            Assert.All(qs, q => Assert.EndsWith("?", q.Question));
        }
    }

    [Fact]
    public void Embedded_open_sets_equal_the_repository_files()
    {
        var file = ProbeSet.Load(Path.Combine(Fixtures.RepoRoot, "probesets", "open-values.jsonl"));
        Assert.Equal(file.Questions, ProbeSet.OpenValues().Questions);
        var labelled = LabelledAnswer.Load(Path.Combine(Fixtures.RepoRoot, "probesets", "open-values-labelled.jsonl"));
        Assert.Equal(labelled, LabelledAnswer.OpenValues());
    }

    [Fact]
    public void Labelled_set_has_five_per_stance_for_three_topics()
    {
        var items = LabelledAnswer.OpenValues();
        var byTopic = items.GroupBy(i => i.Topic).ToList();
        Assert.True(byTopic.Count >= 3);
        foreach (var g in byTopic)
            foreach (var s in StanceLabels.All)
                Assert.True(g.Count(i => i.Gold == s) >= 5, $"{g.Key}/{s}");
        Assert.Equal(items.Count, items.Select(i => i.Id).Distinct().Count());
    }

    [Fact]
    public void Labelled_file_with_bad_stance_names_row_and_field()
    {
        var path = Write("l.jsonl",
            JsonSerializer.Serialize(new { id = "1", topic = "t", question = "q", answer = "a", stance = "support" }) + "\n" +
            JsonSerializer.Serialize(new { id = "2", topic = "t", question = "q", answer = "a", stance = "against" }) + "\n");
        var e = Assert.Throws<DataFormatException>(() => LabelledAnswer.Load(path));
        Assert.Equal(2, e.Row);
        Assert.Equal("stance", e.Field);
    }
}
