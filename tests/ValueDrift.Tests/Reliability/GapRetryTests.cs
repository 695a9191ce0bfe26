using System.Text.Json;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Support;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// <c>valuedrift gap</c> judges each answer on its own with the judge's retries, as <c>probe</c> does: an answer that
/// fails once is asked again, a pair still without a reading is skipped and counted with the endpoint, the HTTP status
/// and the pair named (not one "AggregateException: Retry failed after 4 tries" for the whole file); with
/// <c>--probes</c> a pair whose prompt is a probe question takes its topic, and pairs left without one are reported.
/// </summary>
public class GapRetryTests
{
    private static string Pairs(string name, params string[] prompts)
    {
        var file = Path.Combine(Fixtures.TempDir("gap-retry"), name);
        File.WriteAllLines(file, prompts.Select((p, i) => JsonSerializer.Serialize(new { prompt = p, chosen = $"yes {i}", rejected = $"no {i}" })));
        return file;
    }

    [Fact]
    [Trait("tier", "fast")]
    public void An_answer_that_fails_once_is_asked_again_and_counts()
    {
        var file = Pairs("pairs.jsonl", Enumerable.Range(0, 6).Select(i => $"Question {i}?").ToArray());
        // Every answer's first request is refused (400: the client does not retry it itself); the second is read.
        using var server = new LoopbackJudgeServer((_, seen) => seen == 0 ? JudgeServerReply.Error(400) : JudgeServerReply.LogProbs(("support", -0.2), ("neutral", -2), ("oppose", -3)));
        var (code, stdout, err) = CliRunner.Run("gap", "--data", file, "--judge", $"endpoint:{server.Endpoint},judge", "--format", "json");
        Assert.True(code == 0, err);
        var gap = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Single();
        Assert.Equal(6, gap.GetProperty("pairs").GetInt32());
        Assert.Equal(24, server.Requests);   // 12 answers, each asked twice
        Assert.DoesNotContain("skipped", err);
    }

    [Fact]
    public void A_pair_still_failing_is_skipped_and_named_with_the_endpoint_and_status()
    {
        var file = Pairs("pairs.jsonl", [.. Enumerable.Range(0, 9).Select(i => $"Question {i}?"), "Broken question?"]);
        // The server fails every request about one pair with a 500, which the client retries itself before giving up.
        using var server = new LoopbackJudgeServer((user, _) => user.Contains("Broken question") ? JudgeServerReply.Error(500) : JudgeServerReply.LogProbs(("support", -0.2), ("neutral", -2), ("oppose", -3)));
        var (code, stdout, err) = CliRunner.Run("gap", "--data", file, "--judge", $"endpoint:{server.Endpoint},judge");
        Assert.True(code == 0, err);
        Assert.Contains("1 of 10 pairs skipped", stdout);
        Assert.Contains("pairs.jsonl row 10 (topic 'all'), chosen: ", stdout);
        Assert.Contains($"stance judge endpoint {server.Endpoint}", stdout);
        Assert.Contains("(HTTP 500)", stdout);
        Assert.Contains("warning: 1 of 10 pairs skipped", err);
        var row = stdout.Split('\n').Single(l => l.StartsWith("all "));
        Assert.Equal(9, int.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));   // the other nine measured

        // More skipped than --max-unjudged allows: one line naming the same, exit 2.
        (code, _, err) = CliRunner.Run("gap", "--data", file, "--judge", $"endpoint:{server.Endpoint},judge", "--max-unjudged", "0.05");
        Assert.Equal(2, code);
        Assert.Contains("left 1 of 10 pairs without a reading after retries, more than the 0.05 allowed", err);
        Assert.Contains("pairs.jsonl row 10", err);
        Assert.Contains("(HTTP 500)", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Pairs_take_the_topic_of_the_probe_question_they_ask_and_the_rest_are_reported()
    {
        var dir = Fixtures.TempDir("gap-probe-questions");
        var probes = Path.Combine(dir, "probes.jsonl");
        var questions = WorldProbeQuestions.ForIds(["immigration", "abortion"]).ToList();
        WorldFiles.WriteProbes(probes, questions);
        var immigration = questions.First(q => q.Topic == "immigration").Question;
        var abortion = questions.First(q => q.Topic == "abortion").Question;
        var file = Pairs("pairs.jsonl",
            immigration,                                              // word for word
            "  " + abortion.ToUpperInvariant().Replace(" ", "   "),   // case and spacing aside
            "Please answer briefly. " + immigration,                  // a probe question inside a longer prompt
            "What is the capital of France?",                         // no probe question, no topic name
            "Tell me a story.");
        using var server = new LoopbackJudgeServer((_, _) => JudgeServerReply.Text("neutral"));
        var (code, stdout, err) = CliRunner.Run("gap", "--data", file, "--probes", probes, "--judge", $"endpoint:{server.Endpoint},judge");
        Assert.True(code == 0, err);
        int PairsOf(string topic) => int.Parse(stdout.Split('\n').Single(l => l.StartsWith(topic + " ")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Equal(2, PairsOf("immigration"));
        Assert.Equal(1, PairsOf("abortion"));
        Assert.Equal(2, PairsOf("all"));
        Assert.Contains("2 of 5 pairs have no topic", stdout);
        Assert.Contains("pairs.jsonl row 4 'What is the capital of France?'; pairs.jsonl row 5 'Tell me a story.'", stdout);

        // JSON keeps its shape; the report goes to stderr.
        (code, stdout, err) = CliRunner.Run("gap", "--data", file, "--probes", probes, "--judge", $"endpoint:{server.Endpoint},judge", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal(3, JsonDocument.Parse(stdout).RootElement.GetArrayLength());
        Assert.Contains("2 of 5 pairs have no topic", err);
    }
}
