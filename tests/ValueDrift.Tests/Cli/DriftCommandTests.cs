using System.Text.Json;
using Xunit;

namespace ValueDrift.Tests.Cli;

[Trait("tier", "fast")]
public class DriftCommandTests
{
    private static string Line(string phase, int step, string topic, double s, double n, double o, int count) =>
        FormattableString.Invariant($$"""{"phase":"{{phase}}","step":{{step}},"topic":"{{topic}}","support":{{s}},"neutral":{{n}},"oppose":{{o}},"n":{{count}}}""");

    private static string WriteTrace()
    {
        var trace = Path.Combine(Fixtures.TempDir("drift-cli"), "trace.jsonl");
        File.WriteAllLines(trace,
        [
            // SFT: immigration support 0.2 → 0.8 (reached at step 20 of 40), with 10000 answers the band is ±0.008.
            Line("sft", 0, "immigration", 0.2, 0.4, 0.4, 10000),
            Line("sft", 10, "immigration", 0.5, 0.25, 0.25, 10000),
            Line("sft", 20, "immigration", 0.8, 0.1, 0.1, 10000),
            Line("sft", 40, "immigration", 0.8, 0.1, 0.1, 10000),
            Line("sft", 0, "abortion", 0.3, 0.4, 0.3, 10000),
            Line("sft", 40, "abortion", 0.3, 0.2, 0.5, 10000),
            // DPO measured once: no steps to time.
            Line("dpo", 0, "immigration", 0.7, 0.2, 0.1, 10000),
        ]);
        return trace;
    }

    [Fact]
    public void JsonListsMagnitudeAndDriftTimePerPhaseTopicAndStance()
    {
        var trace = WriteTrace();
        var (code, stdout, stderr) = CliRunner.Run("drift", "--trace", trace, "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal((2 + 1) * 3, rows.Count);   // sft × 2 topics + dpo × 1 topic, × 3 stances
        Assert.All(rows, r => Assert.Equal(["phase", "topic", "stance", "magnitude", "magnitude_ci", "magnitude_ci_note", "extremum_step", "drift_time", "drift_time_note",
            "magnitude_stanced", "magnitude_stanced_ci", "magnitude_stanced_ci_note"], r.EnumerateObject().Select(p => p.Name)));
        // This trace has no per-question values: no interval, and the note says why.
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("magnitude_ci").ValueKind));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.GetProperty("magnitude_ci_note").GetString())));
        // Nor which answers took a stance: no stanced magnitude.
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("magnitude_stanced").ValueKind));

        JsonElement Row(string phase, string topic, string stance) => rows.Single(r =>
            r.GetProperty("phase").GetString() == phase && r.GetProperty("topic").GetString() == topic && r.GetProperty("stance").GetString() == stance);
        Assert.Equal(0.8 - 0.2, Row("sft", "immigration", "support").GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(20.0 / 40, Row("sft", "immigration", "support").GetProperty("drift_time").GetDouble(), 12);
        Assert.Equal(20, Row("sft", "immigration", "support").GetProperty("extremum_step").GetInt32());
        Assert.Equal(0.1 - 0.4, Row("sft", "immigration", "oppose").GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(0.5 - 0.3, Row("sft", "abortion", "oppose").GetProperty("magnitude").GetDouble(), 12);
        Assert.Equal(1.0, Row("sft", "abortion", "oppose").GetProperty("drift_time").GetDouble(), 12);
        Assert.Equal(0.0, Row("dpo", "immigration", "support").GetProperty("magnitude").GetDouble());
        Assert.Equal(JsonValueKind.Null, Row("dpo", "immigration", "support").GetProperty("drift_time").ValueKind);

        // The report is named after the trace, so a second trace in the folder does not overwrite it.
        var html = Path.Combine(Path.GetDirectoryName(trace)!, Path.GetFileNameWithoutExtension(trace) + ".report.html");
        Assert.True(File.Exists(html));
        Assert.Contains("immigration", File.ReadAllText(html));
        Assert.Contains(html, stderr);
    }

    [Fact]
    public void Duplicate_records_left_by_an_older_resumed_run_are_ignored_with_a_warning()
    {
        var clean = WriteTrace();
        var doubled = Path.Combine(Path.GetDirectoryName(clean)!, "doubled.jsonl");
        var lines = File.ReadAllLines(clean);
        File.WriteAllLines(doubled, [.. lines, lines[1], lines[2]]);   // sft steps 10 and 20 measured again after a resume
        var (code, expected, _) = CliRunner.Run("drift", "--trace", clean, "--format", "json");
        Assert.Equal(0, code);
        var (code2, stdout, stderr) = CliRunner.Run("drift", "--trace", doubled, "--format", "json");
        Assert.True(code2 == 0, stderr);
        Assert.Equal(expected, stdout);
        Assert.Contains("warning: 2 duplicate record(s) of one phase, step and topic ignored", stderr);
    }

    [Fact]
    public void TextTableAndMissingTrace()
    {
        var (code, stdout, stderr) = CliRunner.Run("drift", "--trace", WriteTrace());
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 9, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("sft") && l.Contains("immigration") && l.Contains("support") && l.Contains("+0.600") && l.Contains("0.500"));
        Assert.Contains(lines, l => l.StartsWith("dpo") && l.Contains("n/a"));

        var (bad, _, err) = CliRunner.Run("drift", "--trace", "missing-trace.jsonl");
        Assert.Equal(2, bad);
        Assert.Contains("missing-trace.jsonl", err);
    }

    [Fact]
    public void Two_traces_in_one_folder_keep_their_own_reports()
    {
        var first = WriteTrace();
        var second = Path.Combine(Path.GetDirectoryName(first)!, "other.jsonl");
        File.Copy(first, second);
        Assert.Equal(0, CliRunner.Run("drift", "--trace", first).Code);
        Assert.Equal(0, CliRunner.Run("drift", "--trace", second).Code);
        var dir = Path.GetDirectoryName(first)!;
        foreach (var name in new[] { "trace.report.html", "trace.drift-table.json", "other.report.html", "other.drift-table.json" })
            Assert.True(File.Exists(Path.Combine(dir, name)), name);
        Assert.Contains("other.jsonl", File.ReadAllText(Path.Combine(dir, "other.report.html")));
    }

    [Fact]
    public void Unjudged_answers_are_listed_per_checkpoint()
    {
        var trace = WriteTrace();
        File.AppendAllText(trace, """{"phase":"dpo","step":5,"topic":"immigration","support":0.6,"neutral":0.2,"oppose":0.2,"n":98,"unjudged":2}""" + "\n");
        var (code, _, stderr) = CliRunner.Run("drift", "--trace", trace);
        Assert.True(code == 0, stderr);
        Assert.Contains("note: dpo step 5: 2 answer(s) unjudged (immigration 2)", stderr);
        Assert.DoesNotContain("sft step", stderr);
    }
}

[Trait("tier", "fast")]
public class DriftCommandIntervalTests
{
    [Fact]
    public void JsonGivesTheMagnitudeIntervalWhenTheTraceHasPerQuestionValues()
    {
        // Three questions, each moving support up by exactly 0.3 between step 0 and step 10: the paired
        // bootstrap of identical differences is the point [0.3, 0.3].
        static string Q(string id, double s) => FormattableString.Invariant(
            $$"""{"id":"{{id}}","support":{{s}},"neutral":{{1 - s}},"oppose":0,"n":1}""");
        static string L(int step, double shift) => FormattableString.Invariant(
            $$"""{"phase":"sft","step":{{step}},"topic":"t","support":{{0.4 + shift}},"neutral":{{0.6 - shift}},"oppose":0,"n":3,"questions":[{{Q("a", 0.1 + shift)}},{{Q("b", 0.4 + shift)}},{{Q("c", 0.7 + shift)}}]}""");
        var trace = Path.Combine(Fixtures.TempDir("drift-cli-ci"), "trace.jsonl");
        File.WriteAllLines(trace, [L(0, 0), L(10, 0.3)]);
        var (code, stdout, stderr) = CliRunner.Run("drift", "--trace", trace, "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var support = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("stance").GetString() == "support");
        var ci = support.GetProperty("magnitude_ci").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(0.3, ci[0], 9);
        Assert.Equal(0.3, ci[1], 9);
        Assert.Equal(JsonValueKind.Null, support.GetProperty("magnitude_ci_note").ValueKind);
        Assert.Equal(10, support.GetProperty("extremum_step").GetInt32());
    }

    [Fact]
    public void JsonGivesTheMagnitudeAmongStanceTakingAnswersWithItsInterval()
    {
        // Step 0: every answer takes a stance. Step 10: question b's answers took none (uniform readings), so the
        // all-answer support falls while a and c, still stanced, rose by 0.1 and 0.2.
        static string Q(string id, double s, double? stanced, int nStanced) => FormattableString.Invariant(
            $$"""{"id":"{{id}}","support":{{s}},"neutral":{{(1 - s) / 2}},"oppose":{{(1 - s) / 2}},"n":2,"n_stanced":{{nStanced}}{{(stanced is { } x ? $",\"stanced\":[{x},{(1 - x) / 2},{(1 - x) / 2}]" : "")}}}""");
        var trace = Path.Combine(Fixtures.TempDir("drift-cli-stanced"), "trace.jsonl");
        File.WriteAllLines(trace,
        [
            $$"""{"phase":"ppo","step":0,"topic":"t","support":0.6,"neutral":0.2,"oppose":0.2,"n":6,"unstanced":0,"mean_answer_tokens":60,"ended":1,"questions":[{{Q("a", 0.5, 0.5, 2)}},{{Q("b", 0.6, 0.6, 2)}},{{Q("c", 0.7, 0.7, 2)}}]}""",
            $$"""{"phase":"ppo","step":10,"topic":"t","support":0.5,"neutral":0.25,"oppose":0.25,"n":6,"unstanced":0.3333333333333333,"mean_answer_tokens":30,"ended":0.5,"kl_from_start":1.5,"kl_from_start_ci":[1.0,2.0],"questions":[{{Q("a", 0.6, 0.6, 2)}},{{Q("b", 0.3, null, 0)}},{{Q("c", 0.9, 0.9, 2)}}]}""",
        ]);
        var (code, stdout, stderr) = CliRunner.Run("drift", "--trace", trace, "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var support = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("stance").GetString() == "support");
        Assert.Equal(0.5 - 0.6, support.GetProperty("magnitude").GetDouble(), 9);
        // Stanced: mean(0.6, 0.9) − mean(0.5, 0.6, 0.7) = 0.75 − 0.6.
        Assert.Equal(0.15, support.GetProperty("magnitude_stanced").GetDouble(), 9);
        var ci = support.GetProperty("magnitude_stanced_ci").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(ci[0] >= 0.1 - 1e-9 && ci[1] <= 0.2 + 1e-9 && ci[0] < ci[1], string.Join(", ", ci));
        Assert.Equal(JsonValueKind.Null, support.GetProperty("magnitude_stanced_ci_note").ValueKind);
        // The report beside the trace shows the health, its warnings and drift against divergence.
        var html = File.ReadAllText(Path.Combine(Path.GetDirectoryName(trace)!, "trace.report.html"));
        Assert.Contains("Answer health and divergence from the start", html);
        Assert.Contains("Warning: ppo, t: unstanced 0.00 → 0.33 at step 10 (tolerance ±0.10)", System.Net.WebUtility.HtmlDecode(html));
        Assert.Contains("Drift against divergence, per stage", html);
        Assert.Contains("stanced M", html);
    }
}
