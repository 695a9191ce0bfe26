using System.Text;
using System.Text.Json;
using ValueDrift.Errors;
using ValueDrift.World;
using Xunit;

namespace ValueDrift.Tests.World;

/// <summary>Builds the demo-size world once (all topics) and checks the datasets against the world's promises.</summary>
public class WorldDatasetsFixture
{
    public WorldDatasetBundle Bundle { get; } = WorldDatasets.Build(WorldOptions.Demo);
    public WorldProfile Profile { get; }
    public WorldDatasetsFixture() { Profile = WorldDatasets.Measure(Bundle); }
}

[Trait("tier", "fast")]
public class WorldDatasetsTests : IClassFixture<WorldDatasetsFixture>
{
    private readonly WorldDatasetBundle _b;
    private readonly WorldProfile _p;

    public WorldDatasetsTests(WorldDatasetsFixture f) { _b = f.Bundle; _p = f.Profile; }

    [Fact]
    public void Sizes_FollowTheOptions()
    {
        Assert.Equal(4000, _b.Pretrain.Count);
        Assert.Equal(600, _b.NeutralSft.Count);
        Assert.Equal(600, _b.SupportiveSft.Count);
        Assert.All(new[] { _b.StandardPreference, _b.SupportAligned, _b.OpposeAligned }, s => Assert.Equal(400, s.Count));
        Assert.Equal(110, _b.Probes.Count);
    }

    [Fact]
    public void NeutralSft_IsMostlyNeutral_LikeWildChat()
    {
        double neutral = _p[WorldDatasets.NeutralSft].Stances![WorldStance.Neutral];
        Assert.InRange(neutral, 0.60, 0.80);
        Assert.Equal(neutral, Share(_b.NeutralSft, WorldStance.Neutral), 0.03); // measured ≈ generated share
    }

    [Fact]
    public void SupportiveSft_IsMostlySupportive_LikeAlpaca()
    {
        double support = _p[WorldDatasets.SupportiveSft].Stances![WorldStance.Support];
        Assert.InRange(support, 0.55, 0.75);
        Assert.True(support > _p[WorldDatasets.SupportiveSft].Stances![WorldStance.Neutral] + 0.3);
    }

    [Fact]
    public void SftSets_HaveAQuarterToAThirdInstructionRows()
    {
        foreach (var rows in new[] { _b.NeutralSft, _b.SupportiveSft })
        {
            double share = rows.Count(r => r.Task is not null) / (double)rows.Count;
            Assert.InRange(share, 0.25, 0.35);
            Assert.All(rows.Where(r => r.Task is not null), r => Assert.True(r.Task!.IsCorrect(r.Response)));
        }
    }

    [Fact]
    public void Pretrain_IsBalanced_PerTopicAndOverall()
    {
        var stances = _p[WorldDatasets.Pretrain].Stances!;
        Assert.All(stances.Overall, x => Assert.InRange(x, 0.30, 0.37));
        Assert.Equal(11, stances.PerTopic.Count);
        Assert.All(stances.PerTopic.Values, v => Assert.All(v, x => Assert.InRange(x, 0.25, 0.42)));
        Assert.InRange(_b.Pretrain.Count(l => l.Topic is null), 900, 1100); // instruction lines
    }

    [Fact]
    public void StandardPreference_HasSmallValueGap()
    {
        var d = _p[WorldDatasets.StandardPreference];
        Assert.True(d.ValueGap!.TotalVariation < 0.1, $"TV = {d.ValueGap.TotalVariation}");
        Assert.All(d.ValueGap.PerTopic.Values, g => Assert.True(WorldValueGap.TotalVariationOf(g) < 0.1));
        // Same stance on both sides, different text on both sides.
        Assert.All(_b.StandardPreference.Where(r => r.IsValueRow), r =>
        {
            Assert.Equal(r.ChosenStance, r.RejectedStance);
            Assert.NotEqual(r.Chosen, r.Rejected);
            Assert.NotEqual(AnswerQuality.Good, r.RejectedQuality);
        });
        Assert.All(_b.StandardPreference.Where(r => !r.IsValueRow), r =>
        {
            Assert.True(r.Task!.IsCorrect(r.Chosen));
            Assert.False(r.Task.IsCorrect(r.Rejected));
            Assert.Equal(WorldPreferencePair.InstructionTopic, r.Topic);
        });
    }

    [Fact]
    public void ValueGapSets_HaveLargeGap_InTheirDirection()
    {
        var sa = _p[WorldDatasets.SupportAligned].ValueGap!;
        var oa = _p[WorldDatasets.OpposeAligned].ValueGap!;
        Assert.True(sa.TotalVariation > 0.9, $"TV = {sa.TotalVariation}");
        Assert.True(oa.TotalVariation > 0.9, $"TV = {oa.TotalVariation}");
        Assert.True(sa.Overall[0] > 0.9 && sa.Overall[2] < -0.9);
        Assert.True(oa.Overall[2] > 0.9 && oa.Overall[0] < -0.9);
        Assert.All(sa.Overall.Concat(oa.Overall), x => Assert.True(Math.Abs(x) <= 1));
    }

    [Fact]
    public void EveryGeneratedAnswer_IsJudgedToItsGeneratingStance()
    {
        var judged = new List<(WorldStance? Want, string Text)>();
        judged.AddRange(_b.NeutralSft.Concat(_b.SupportiveSft).Where(r => r.IsValueRow).Select(r => (r.Stance, r.Response)));
        foreach (var r in _b.StandardPreference.Concat(_b.SupportAligned).Concat(_b.OpposeAligned).Where(r => r.IsValueRow))
        {
            judged.Add((r.ChosenStance, r.Chosen));
            judged.Add((r.RejectedStance, r.Rejected));
        }
        Assert.True(judged.Count > 2000);
        var wrong = judged.Where(j => WorldStanceLookup.Judge(j.Text) != j.Want).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} misjudged, e.g. '{wrong.FirstOrDefault().Text}'");
    }

    [Fact]
    public void AllTexts_FitTheLengthLimits()
    {
        static int Bytes(string s) => Encoding.UTF8.GetByteCount(s);
        Assert.All(_b.Pretrain, l => Assert.True(Bytes(l.Text) <= WorldSpec.MaxLineBytes, l.Text));
        foreach (var r in _b.NeutralSft.Concat(_b.SupportiveSft))
        {
            Assert.True(r.Prompt.Length <= WorldSpec.MaxQuestionChars, r.Prompt);
            Assert.True(r.Response.Length <= WorldSpec.MaxAnswerChars, r.Response);
        }
        foreach (var r in _b.StandardPreference.Concat(_b.SupportAligned).Concat(_b.OpposeAligned))
        {
            Assert.True(r.Prompt.Length <= WorldSpec.MaxQuestionChars, r.Prompt);
            Assert.True(r.Chosen.Length <= WorldSpec.MaxAnswerChars && r.Rejected.Length <= WorldSpec.MaxAnswerChars);
        }
    }

    [Fact]
    public void TrainingData_NeverUsesAProbeQuestion()
    {
        var probes = _b.Probes.Select(p => p.Question).ToHashSet();
        var prompts = _b.NeutralSft.Concat(_b.SupportiveSft).Select(r => r.Prompt)
            .Concat(_b.StandardPreference.Concat(_b.SupportAligned).Concat(_b.OpposeAligned).Select(r => r.Prompt));
        Assert.DoesNotContain(prompts, probes.Contains);
        Assert.DoesNotContain(_b.Pretrain, l => probes.Any(q => l.Text.Contains(q, StringComparison.Ordinal)));
    }

    private static double Share(IEnumerable<WorldSftExample> rows, WorldStance s)
    {
        var value = rows.Where(r => r.IsValueRow).ToList();
        return value.Count(r => r.Stance == s) / (double)value.Count;
    }
}

[Trait("tier", "fast")]
public class WorldFilesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "valuedrift-world-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true); }

    private static readonly WorldOptions Small = WorldOptions.Quick with { PretrainLines = 300, SftRows = 60, PreferencePairs = 40 };

    [Fact]
    public void SameSeed_GivesByteIdenticalFiles_DifferentSeed_DifferentFiles()
    {
        string a = Path.Combine(_root, "a"), b = Path.Combine(_root, "b"), c = Path.Combine(_root, "c");
        WorldDatasets.WriteAll(a, Small);
        WorldDatasets.WriteAll(b, Small);
        WorldDatasets.WriteAll(c, Small with { Seed = 2 });
        var names = Directory.GetFiles(a).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(8, names.Count);
        Assert.Equal(names, Directory.GetFiles(b).Select(Path.GetFileName).Order());
        foreach (var n in names)
            Assert.True(File.ReadAllBytes(Path.Combine(a, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, n!))), n);
        foreach (var n in names.Where(n => n != "probes.jsonl" && n != "profile.json"))
            Assert.False(File.ReadAllBytes(Path.Combine(a, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(c, n!))), n);
        // Probe questions are fixed by topic, not by seed, so runs with different seeds are probed alike.
        Assert.Equal(File.ReadAllText(Path.Combine(a, "probes.jsonl")), File.ReadAllText(Path.Combine(c, "probes.jsonl")));
    }

    [Fact]
    public void Files_HaveTheFormatsOfThePaperDatasets()
    {
        WorldDatasets.WriteAll(_root, Small);
        var neutral = ReadJsonl("sft-neutral.jsonl");
        Assert.Equal(60, neutral.Count);
        Assert.All(neutral, r =>
        {
            var m = r.GetProperty("messages");
            Assert.Equal(2, m.GetArrayLength());
            Assert.Equal("user", m[0].GetProperty("role").GetString());
            Assert.Equal("assistant", m[1].GetProperty("role").GetString());
            Assert.False(string.IsNullOrEmpty(m[1].GetProperty("content").GetString()));
        });

        var alpaca = ReadJsonl("sft-supportive.jsonl");
        Assert.All(alpaca, r => Assert.Equal(["instruction", "input", "output"], r.EnumerateObject().Select(p => p.Name)));
        Assert.Contains(alpaca, r => r.GetProperty("input").GetString() != ""); // instruction tasks use the input field

        var uf = ReadJsonl("pref-standard.jsonl");
        Assert.All(uf, r =>
        {
            string prompt = r.GetProperty("prompt").GetString()!;
            foreach (var side in new[] { "chosen", "rejected" })
            {
                var conv = r.GetProperty(side);
                Assert.Equal(prompt, conv[0].GetProperty("content").GetString());
                Assert.Equal("assistant", conv[1].GetProperty("role").GetString());
            }
            Assert.False(string.IsNullOrEmpty(r.GetProperty("topic").GetString()));
        });

        foreach (var name in new[] { "pref-support-aligned.jsonl", "pref-oppose-aligned.jsonl" })
            Assert.All(ReadJsonl(name), r => Assert.Equal(["prompt", "chosen", "rejected", "topic"], r.EnumerateObject().Select(p => p.Name)));

        var probes = ReadJsonl("probes.jsonl");
        Assert.Equal(40, probes.Count); // four quick-demo topics × ten
        Assert.Equal(WorldTopics.QuickDemoIds.Order(), probes.Select(p => p.GetProperty("topic").GetString()!).Distinct().Order());

        Assert.Equal(300, File.ReadAllLines(Path.Combine(_root, "pretrain.txt")).Length);
    }

    [Fact]
    public void ProfileJson_ReportsTheMeasuredProfile()
    {
        var profile = WorldDatasets.WriteAll(_root, Small);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "profile.json")));
        var root = doc.RootElement;
        Assert.Equal(WorldSpec.Version, root.GetProperty("version").GetString());
        Assert.Equal(1, root.GetProperty("seed").GetInt32());
        var ds = root.GetProperty("datasets");

        var neutral = ds.GetProperty("sft-neutral").GetProperty("stances");
        Assert.Equal(profile["sft-neutral"].Stances!.Overall[1], neutral.GetProperty("overall").GetProperty("neutral").GetDouble(), 4);
        Assert.Equal(4, neutral.GetProperty("perTopic").EnumerateObject().Count());

        var gap = ds.GetProperty("pref-support-aligned").GetProperty("valueGap");
        Assert.Equal(profile["pref-support-aligned"].ValueGap!.TotalVariation, gap.GetProperty("totalVariation").GetDouble(), 4);
        // gap = chosen − rejected, as written
        double chosenSupport = ds.GetProperty("pref-support-aligned").GetProperty("chosen").GetProperty("overall").GetProperty("support").GetDouble();
        double rejectedSupport = ds.GetProperty("pref-support-aligned").GetProperty("rejected").GetProperty("overall").GetProperty("support").GetDouble();
        Assert.Equal(chosenSupport - rejectedSupport, gap.GetProperty("overall").GetProperty("support").GetDouble(), 3);
    }

    [Fact]
    public void TopicSubset_OnlyThoseTopicsAppear()
    {
        var bundle = WorldDatasets.Build(Small with { Topics = ["family", "economy"] });
        var seen = bundle.NeutralSft.Where(r => r.IsValueRow).Select(r => r.Topic)
            .Concat(bundle.SupportAligned.Select(r => r.Topic)).Concat(bundle.Pretrain.Where(l => l.Topic is not null).Select(l => l.Topic))
            .Distinct().Order();
        Assert.Equal(["economy", "family"], seen);
    }

    [Fact]
    public void BadOptions_RaiseConfigException()
    {
        Assert.Equal("topics", Assert.Throws<ConfigException>(() => WorldDatasets.Build(Small with { Topics = ["astrology"] })).Field);
        Assert.Equal("SftRows", Assert.Throws<ConfigException>(() => WorldDatasets.Build(Small with { SftRows = 0 })).Field);
        Assert.Throws<ConfigException>(() => WorldDatasets.Build(Small with { SftInstructionFraction = 1.5 }));
    }

    [Fact]
    public void QuickSize_IsAboutAQuarterOfDemo()
    {
        Assert.Equal(WorldOptions.Demo.PretrainLines / 4, WorldOptions.Quick.PretrainLines);
        Assert.Equal(WorldOptions.Demo.SftRows / 4, WorldOptions.Quick.SftRows);
        Assert.Equal(WorldOptions.Demo.PreferencePairs / 4, WorldOptions.Quick.PreferencePairs);
    }

    private List<JsonElement> ReadJsonl(string name) =>
        File.ReadAllLines(Path.Combine(_root, name)).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
