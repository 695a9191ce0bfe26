using ValueDrift.Attribution;
using ValueDrift.Experiments;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Attribution;

/// <summary>
/// End to end on the world at the quick size (a barely trained base model, 12-step SFT): the stage run with
/// checkpoints, attributed, the cache reused, the stage folder left as it was but for the cache, and one seed of
/// ablation. Slow tier: trains the base model once and four short stages (about a minute on two idle cores).
/// </summary>
public class WorldAttributionTests
{
    [Fact]
    public void AttributesTheNeutralSftStageReusesTheCacheAndAblates()
    {
        var root = Fixtures.TempDir("attr-world");
        var o = WorldExperimentOptions.Quick(Path.Combine(root, "run")) with { CacheRoot = Path.Combine(root, "cache") };
        var (setup, record) = WorldAttribution.RunStage(o, WorldExperiment.NeutralSft);
        Assert.Equal(3, record.Stage.Training.CheckpointEvery);   // 12 steps / 4
        var probe = setup.Probes.Likelihood!;
        var topic = o.World.Topics![0];
        var before = Snapshot(record.Directory);

        var neutral = Attributor.Run(record, probe, topic, Stance.Neutral);
        Assert.Equal([0, 3, 6, 9], neutral.Checkpoints.Select(c => c.Step));
        Assert.All(neutral.Checkpoints, c => Assert.False(c.FromCache));
        Assert.Equal(neutral.Texts.Count, neutral.Scores.Count);
        Assert.Contains("decoder layer 1", neutral.Restriction);
        Assert.True(neutral.Scores.Distinct().Count() > neutral.Scores.Count / 2, "scores should tell examples apart");

        var again = Attributor.Run(record, probe, topic, Stance.Neutral);
        Assert.All(again.Checkpoints, c => Assert.True(c.FromCache));
        Assert.Equal(neutral.Scores, again.Scores);
        var support = Attributor.Run(record, probe, topic, Stance.Support);
        Assert.All(support.Checkpoints, c => Assert.True(c.FromCache));
        Assert.NotEqual(neutral.Scores, support.Scores);

        var after = Snapshot(record.Directory);
        Assert.Equal(before, after.Where(e => !e.Path.StartsWith(GradientCache.FolderName)).ToList());
        Assert.Equal(4, after.Count(e => e.Path.StartsWith(GradientCache.FolderName + Path.DirectorySeparatorChar)));

        var labels = WorldAttribution.Labels(setup.World, record.Stage.DataPath, neutral.Scores.Count);
        Assert.NotNull(labels);
        Assert.Contains(labels!, l => l.Stance == "neutral" && l.Topic == topic);
        Assert.Contains(labels!, l => l.Stance is null && l.Topic is null);
        var folder = Path.Combine(setup.Run.Root, "attribution", record.Stage.Name);
        // The generation-probe surrogate read on fixed answers (here the likelihood probe's references, each judged its
        // own stance): every arm's checkpoint read by it too.
        var tokenizer = TokenizerLoader.FromFolder(record.StartModel);
        var template = ChatTemplate.ForModelFolder(record.StartModel, tokenizer);
        var answers = probe.Items.Where(i => i.Topic == topic).SelectMany(i => i.Answers.SelectMany(x => x.Value.Select(text =>
            new JudgedAnswer(new ProbeQuestion(i.Id, i.Topic, i.Question), 0, text, StanceDistribution.OneHot(x.Key), true)))).ToList();
        var surrogate = new GenerationSurrogate(answers, tokenizer, template, topic, Stance.Neutral);
        var ablation = Ablation.Run(record, neutral, probe, folder, 0.1, seeds: 1, surrogate: surrogate);
        Assert.Equal(Ablation.RemovedCount(0.1, neutral.Scores.Count), ablation.Removed);
        double SurrogateM(string checkpoint)
        {
            using var start = CausalLM.FromPretrained(record.StartModel);
            using var end = CausalLM.FromPretrained(checkpoint);
            return surrogate.Probability(end) - surrogate.Probability(start);
        }
        var g = ablation.GenerationSurrogate!;
        Assert.Equal(SurrogateM(TrainingCheckpoint.Latest(record.Directory)!.Value.Directory), g.FullMagnitude.PerSeed[0], 6);
        Assert.Equal(SurrogateM(TrainingCheckpoint.Latest(Path.Combine(folder, "stages", $"{record.Stage.Name}.ablate-top-0.1.s1"))!.Value.Directory), g.TopRemovedMagnitude.PerSeed[0], 6);
        Assert.Equal(SurrogateM(TrainingCheckpoint.Latest(Path.Combine(folder, "stages", $"{record.Stage.Name}.ablate-random-0.1.s1"))!.Value.Directory), g.RandomRemovedMagnitude.PerSeed[0], 6);
        Assert.Equal(answers.Count, ablation.SurrogateAnswers!.Values.Sum());
        Assert.True(double.IsFinite(ablation.TopRemovedMagnitude.Mean) && double.IsFinite(ablation.RandomRemovedMagnitude.Mean));
        var topData = Path.Combine(folder, "data", $"{record.Stage.Name}.ablate-top-0.1.s1.jsonl");
        Assert.Equal(neutral.Scores.Count - ablation.Removed, File.ReadLines(topData).Count());
        Assert.True(File.Exists(Path.Combine(folder, "stages", $"{record.Stage.Name}.ablate-random-0.1.s1", StageManifest.FileName)));

        // Another ranking removes other rows: its top arm is trained anew, not read back from the folder the neutral
        // ranking's arm left under the same name; the random arm (same rows) is reused.
        var topMarker = Path.Combine(folder, "stages", $"{record.Stage.Name}.ablate-top-0.1.s1", "earlier-arm");
        var randomMarker = Path.Combine(folder, "stages", $"{record.Stage.Name}.ablate-random-0.1.s1", "earlier-arm");
        File.WriteAllText(topMarker, "");
        File.WriteAllText(randomMarker, "");
        var neutralTopRows = File.ReadAllText(topData);
        Ablation.Run(record, support, probe, folder, 0.1, seeds: 1);
        Assert.NotEqual(neutralTopRows, File.ReadAllText(topData));
        Assert.False(File.Exists(topMarker), "the top arm trained without the neutral ranking's rows was reused");
        Assert.True(File.Exists(randomMarker), "the random arm was retrained although its rows did not change");
    }

    private static List<(string Path, long Length, DateTime Written)> Snapshot(string dir) =>
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)
            .Select(p => (Path.GetRelativePath(dir, p), File.Exists(p) ? new FileInfo(p).Length : -1, File.GetLastWriteTimeUtc(p)))
            .Where(e => !Directory.Exists(Path.Combine(dir, e.Item1)) || !e.Item1.StartsWith(GradientCache.FolderName))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ToList();
}
