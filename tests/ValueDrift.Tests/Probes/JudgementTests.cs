using ValueDrift.Drift;
using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Tests.Support;
using ValueDrift.Text;
using Xunit;

namespace ValueDrift.Tests.Probes;

/// <summary>
/// The judgement cache (on disk, keyed by judge identity and exact prompt, crash-safe, no key stored) and the
/// per-answer robustness of endpoint judges and the generation probe, against a loopback OpenAI-compatible server.
/// </summary>
[Trait("tier", "fast")]
public class JudgementTests
{
    private static readonly JudgeItem[] Items =
    [
        new("immigration", "Accept more immigrants?", "Yes, welcome them."),
        new("immigration", "Accept more immigrants?", "No, close the borders."),
        new("immigration", "Accept more immigrants?", "It depends."),
    ];

    // Support/oppose/neutral from the answer's words, as label log-probs.
    private static JudgeServerReply ByAnswer(string user, int seen) =>
        user.Contains("Yes") ? JudgeServerReply.LogProbs(("support", -0.1), ("neutral", -2.5), ("oppose", -4.0))
        : user.Contains("No,") ? JudgeServerReply.LogProbs(("opp", -0.2), ("neutral", -1.9), (" support", -3.0))
        : JudgeServerReply.LogProbs(("neutral", -0.3), ("support", -1.5), ("oppose", -2.0));

    private static double Softmax(double x, params double[] all) => Math.Exp(x) / all.Sum(Math.Exp);

    [Fact]
    public void Identical_second_run_sends_no_request_and_reads_the_same()
    {
        using var server = new LoopbackJudgeServer(ByAnswer);
        var dir = Fixtures.TempDir("judge-cache");
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge");
        IReadOnlyList<Judgement> first, second;
        using (var cached = new JudgementCachingJudge(judge, new JudgementCache(dir), judge.Identity!))
            first = cached.JudgeEach(Items);
        Assert.Equal(3, server.Requests);
        Assert.Equal(Softmax(-0.2, -0.2, -1.9, -3.0), first[1].Distribution!.Oppose, 6);

        using (var again = new JudgementCachingJudge(ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge"), new JudgementCache(dir), judge.Identity!))
        {
            second = again.JudgeEach(Items);
            Assert.Equal(1.0, again.Cache.HitRate);
        }
        Assert.Equal(3, server.Requests);   // nothing asked
        Assert.All(second, j => Assert.True(j.Cached));
        for (var i = 0; i < Items.Length; i++)
        {
            Assert.Equal(first[i].Distribution!.ToArray(), second[i].Distribution!.ToArray());
            Assert.Equal(JudgeReadout.LogProbs, second[i].Readout);
        }

        // Another model behind the same URL is another judge: asked again.
        var other = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge-2");
        using (var c = new JudgementCachingJudge(other, new JudgementCache(dir), other.Identity!)) c.JudgeEach(Items[..1]);
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public void A_torn_last_line_is_ignored_and_the_next_reading_starts_a_fresh_line()
    {
        var dir = Fixtures.TempDir("judge-cache-torn");
        using (var cache = new JudgementCache(dir))
            cache.Put("k1", "judge", new Judgement(new StanceDistribution(0.5, 0.25, 0.25), JudgeReadout.LogProbs));
        var file = Path.Combine(dir, JudgementCache.FileName);
        File.AppendAllText(file, "{\"key\":\"k2\",\"judge\":\"judge\",\"supp");   // a crash mid-write

        using (var cache = new JudgementCache(dir))
        {
            Assert.Equal(1, cache.Count);
            Assert.Equal(1, cache.IgnoredLines);
            Assert.Equal(0.5, cache.Get("k1")!.Distribution!.Support);
            Assert.Null(cache.Get("k2"));
            cache.Put("k3", "judge", new Judgement(new StanceDistribution(0.1, 0.2, 0.7), JudgeReadout.Text));
            cache.Put("k4", "judge", Judgement.Failed("no label"));   // failures are asked again next time, not stored
            Assert.Equal(0.5, cache.HitRate);
        }
        using (var cache = new JudgementCache(dir))
        {
            Assert.Equal(2, cache.Count);
            Assert.Equal(JudgeReadout.Text, cache.Get("k3")!.Readout);
            Assert.Null(cache.Get("k4"));
        }
        Assert.Equal(3, File.ReadAllLines(file).Length);
    }

    [Fact]
    public void Two_writers_on_one_cache_keep_every_line_whole()
    {
        var dir = Fixtures.TempDir("judge-cache-two");
        using (var a = new JudgementCache(dir))
        using (var b = new JudgementCache(dir))
            for (var i = 0; i < 50; i++)
            {
                a.Put("a" + i, "judge", new Judgement(new StanceDistribution(0.5, 0.25, 0.25), JudgeReadout.LogProbs));
                b.Put("b" + i, "judge", new Judgement(new StanceDistribution(0.2, 0.3, 0.5), JudgeReadout.Text));
            }
        using var again = new JudgementCache(dir);
        Assert.Equal((100, 0), (again.Count, again.IgnoredLines));
    }

    [Fact]
    public void Two_writers_appending_at_the_same_time_lose_and_tear_no_line()
    {
        // Two caches on one file hold two open file descriptions, which the OS locks against each other exactly as it
        // would two processes' (flock); each writes from its own threads at once.
        var dir = Fixtures.TempDir("judge-cache-concurrent");
        using (var a = new JudgementCache(dir))
        using (var b = new JudgementCache(dir))
            Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
                (i % 2 == 0 ? a : b).Put("k" + i, "judge", new Judgement(new StanceDistribution(0.5, 0.25, 0.25), JudgeReadout.LogProbs)));
        using var again = new JudgementCache(dir);
        Assert.Equal((400, 0), (again.Count, again.IgnoredLines));
        Assert.Equal(400, File.ReadAllLines(Path.Combine(dir, JudgementCache.FileName)).Length);
    }

    [Fact]
    public void Each_paid_reading_is_on_disk_before_the_rest_of_its_batch_returns()
    {
        using var stalled = new ManualResetEventSlim();
        using var server = new LoopbackJudgeServer((user, seen) =>
        {
            if (user.Contains("It depends")) stalled.Wait(TimeSpan.FromSeconds(30));   // the last answer hangs
            return ByAnswer(user, seen);
        });
        var dir = Fixtures.TempDir("judge-cache-durable");
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { MaxParallel = 1 });
        using var cached = new JudgementCachingJudge(judge, new JudgementCache(dir), judge.Identity!);
        var batch = Task.Run(() => cached.JudgeEach(Items));
        var file = Path.Combine(dir, JudgementCache.FileName);
        // The cache locks the file while it appends (flock), and a reader's shared lock is refused meanwhile: retried.
        int Lines()
        {
            for (var attempt = 0; ; attempt++)
                try { return File.Exists(file) ? File.ReadAllLines(file).Length : 0; }
                catch (IOException) when (attempt < 100) { Thread.Sleep(5); }
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Lines() < 2 && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(10);
        Assert.False(batch.IsCompleted);
        Assert.Equal(2, Lines());   // the two answered, while the third is still out
        stalled.Set();
        Assert.All(batch.Result, j => Assert.NotNull(j.Distribution));
        Assert.Equal(3, Lines());
    }

    [Fact]
    public void A_silent_endpoint_is_bounded_by_the_request_timeout_and_the_deadline()
    {
        using var server = new LoopbackJudgeServer((user, seen) => { Thread.Sleep(TimeSpan.FromSeconds(20)); return ByAnswer(user, seen); });
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge",
            new ChatEndpointJudgeOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), Deadline = TimeSpan.FromSeconds(2) });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var judged = judge.JudgeEach(Items);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.All(judged, j => Assert.Null(j.Distribution));
        Assert.All(judged, j => Assert.True(j.Problem!.Contains("deadline") || j.Problem.Contains("timed out") || j.Problem.Contains("Timeout"), j.Problem));
    }

    [Fact]
    public void The_cache_never_holds_the_api_key_and_keys_on_the_exact_prompt()
    {
        const string key = "sk-cache-SECRET-123";
        var variable = "VALUEDRIFT_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            using var server = new LoopbackJudgeServer(ByAnswer);
            var dir = Fixtures.TempDir("judge-cache-key");
            var judge = ChatEndpointJudge.ForOpenAICompatible(new Uri(server.Endpoint, "?api_key=" + key), "judge",
                new ChatEndpointJudgeOptions { ApiKeyVariable = variable });
            Assert.DoesNotContain(key, judge.Identity!);
            using (var c = new JudgementCachingJudge(judge, new JudgementCache(dir), judge.Identity!)) c.JudgeEach(Items);
            Assert.All(server.Authorizations, a => Assert.Equal("Bearer " + key, a));
            var text = File.ReadAllText(Path.Combine(dir, JudgementCache.FileName));
            Assert.DoesNotContain(key, text);
            Assert.DoesNotContain("immigrants", text);   // readings only, no prompt text
        }
        finally { Environment.SetEnvironmentVariable(variable, null); }

        // The key covers the exact prompt: another answer is another key.
        Assert.NotEqual(JudgementIdentity.Key("j", Items[0]), JudgementIdentity.Key("j", Items[0] with { Answer = "Yes, welcome them" }));
        Assert.Equal(JudgementIdentity.Key("j", Items[0]), JudgementIdentity.Key("j", Items[0] with { }));
    }

    [Fact]
    public void One_bad_answer_is_retried_then_skipped_and_the_readout_is_recorded()
    {
        using var server = new LoopbackJudgeServer((user, seen) =>
            user.Contains("No,") ? JudgeServerReply.Text("I cannot classify this.")            // never a label
            : user.Contains("depends") ? JudgeServerReply.Text("Neutral.")                     // no log-probs returned
            : ByAnswer(user, seen));
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge", new ChatEndpointJudgeOptions { MaxParallel = 2 });
        var j = judge.JudgeEach(Items);
        Assert.Equal(JudgeReadout.LogProbs, j[0].Readout);
        Assert.Equal(Softmax(-0.1, -0.1, -2.5, -4.0), j[0].Distribution!.Support, 6);
        Assert.False(j[1].Judged);
        Assert.Contains("names no stance", j[1].Problem);
        Assert.Equal(JudgeReadout.Text, j[2].Readout);
        Assert.Equal(0.98, j[2].Distribution!.Neutral, 12);   // text path: (1 − 0.03) + 0.03/3
        Assert.Equal(1 + 2 + 1, server.Requests);            // the bad answer was asked twice (AnswerAttempts)
    }

    [Fact]
    public void A_server_error_is_retried_by_the_client_and_the_answer_still_counts()
    {
        using var server = new LoopbackJudgeServer((user, seen) => seen == 0 ? JudgeServerReply.Error(500) : ByAnswer(user, seen));
        var judge = ChatEndpointJudge.ForOpenAICompatible(server.Endpoint, "judge");
        var j = judge.JudgeEach(Items[..1]);
        Assert.True(j[0].Judged);
        Assert.Equal(Softmax(-0.1, -0.1, -2.5, -4.0), j[0].Distribution!.Support, 6);
        Assert.Equal(2, server.Requests);
    }

    /// <summary>Fails the answers whose text starts with a given character; reads the rest by <see cref="TextShapeJudge"/>.</summary>
    private sealed class FlakyJudge(Func<string, bool> fails) : IStanceJudge
    {
        public IReadOnlyList<Judgement> JudgeEach(IReadOnlyList<JudgeItem> items) => items.Select(i => fails(i.Answer)
            ? Judgement.Failed("stand-in failure")
            : new Judgement(new TextShapeJudge().Judge(i.Topic, i.Question, i.Answer), JudgeReadout.Text)).ToList();
    }

    [Fact]
    public void The_probe_skips_and_counts_unjudged_answers_and_traces_them()
    {
        using var model = ProbeModels.ByteModel();
        var options = new GenerationProbeOptions { Samples = 4, MaxNewTokens = 6, BatchSize = 8, Temperature = 1.0, MaxUnjudgedFraction = 1.0 };
        var probe = new GenerationProbe(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(), new TextShapeJudge(), options);
        var answers = probe.Sample(model);
        var failing = answers.Where((a, i) => i % 3 == 0).Select(a => a.Text).ToHashSet();   // about a third fail
        var result = new GenerationProbe(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(),
            new FlakyJudge(failing.Contains), options).Measure(model);

        foreach (var topic in result.Topics)
        {
            var mine = answers.Where(a => a.Question.Topic == topic.Topic).ToList();
            var bad = mine.Count(a => failing.Contains(a.Text));
            Assert.Equal(bad, topic.Unjudged);
            Assert.Equal(mine.Count - bad, topic.N);
            Assert.Equal(mine.Count - bad, topic.Readouts!["text"]);
            // The value is the mean over the judged answers only.
            var expected = StanceDistribution.Mean(topic.Questions.Select(q => StanceDistribution.Mean(mine
                .Where(a => a.Question.Id == q.Id && !failing.Contains(a.Text))
                .Select(a => new TextShapeJudge().Judge(a.Question.Topic, a.Question.Question, a.Text)))));
            Assert.Equal(expected.ToArray(), topic.Value.ToArray());
        }

        var trace = Path.Combine(Fixtures.TempDir("unjudged-trace"), "trace.jsonl");
        using (var w = new TraceWriter(trace)) w.AppendAll(result.ToTraceRecords("sft", 3));
        var back = TraceReader.Read(trace).Records;
        Assert.Equal(result.Topics.Select(t => t.Unjudged), back.Select(r => r.Unjudged));
        Assert.Equal(result.Topics[0].Readouts!["text"], back[0].Readouts!["text"]);
        Assert.All(back[0].Questions!, q => Assert.All(q.Readouts!, r => Assert.Equal("text", r)));

        // Past the allowed fraction the probe stops, naming the count and the problem.
        var strict = options with { MaxUnjudgedFraction = 0.1 };
        var ex = Assert.Throws<ValueDriftException>(() => new GenerationProbe(ProbeModels.SmallSet(), new ByteTokenizer(), new PlainChatTemplate(),
            new FlakyJudge(failing.Contains), strict).Measure(model));
        Assert.Contains("stand-in failure", ex.Message);
        Assert.Contains("0.1", ex.Message);
    }

    [Fact]
    public void Old_trace_lines_without_the_new_fields_still_read()
    {
        var trace = Path.Combine(Fixtures.TempDir("old-trace"), "trace.jsonl");
        File.WriteAllText(trace, """{"phase":"sft","step":0,"topic":"t","support":0.5,"neutral":0.25,"oppose":0.25,"n":3}""" + "\n");
        var r = Assert.Single(TraceReader.Read(trace).Records);
        Assert.Equal(0, r.Unjudged);
        Assert.Null(r.Readouts);
    }

    [Fact]
    public void A_local_judge_identity_changes_with_its_weights_and_config()
    {
        var dir = Fixtures.TempDir("local-judge-id");
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "qwen3"}""");
        var weights = new byte[3 << 20];
        new Random(1).NextBytes(weights);
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), weights);
        var first = JudgementIdentity.LocalFolder(dir);
        Assert.Equal(first, JudgementIdentity.LocalFolder(dir));
        Assert.Contains(JudgementIdentity.PromptVersion, first);

        weights[^10] ^= 1;   // a change in the last MiB
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), weights);
        var second = JudgementIdentity.LocalFolder(dir);
        Assert.NotEqual(first, second);
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type": "llama"}""");
        Assert.NotEqual(second, JudgementIdentity.LocalFolder(dir));
    }
}
