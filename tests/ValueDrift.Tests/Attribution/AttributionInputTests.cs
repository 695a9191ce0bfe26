using ValueDrift.Attribution;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Attribution;

[Trait("tier", "fast")]
public class AttributionInputTests
{
    /// <summary>A stage folder as a run leaves it: stage.json and the given checkpoint steps (trainer_state.json marks them complete).</summary>
    private static (string Dir, string Model) StageFolder(Algorithm algorithm, int maxSteps, int checkpointEvery, params int[] steps)
    {
        var model = ProbeModels.SaveByteModel("attr-model");
        var root = Fixtures.TempDir("attr-run");
        var data = Path.Combine(root, "data.jsonl");
        File.WriteAllText(data, "{\"prompt\": \"Hi?\", \"completion\": \"Yes.\"}\n{\"prompt\": \"Ok?\", \"completion\": \"No.\"}\n");
        var stage = new Stage { Name = "sft-x", Algorithm = algorithm, DataPath = data, Training = new TrainerOptions { MaxSteps = maxSteps, CheckpointEvery = checkpointEvery } };
        var dir = new RunDirectory(root).StageDirectory(stage.Name);
        StageManifest.Write(dir, StageManifest.Describe(stage, model));
        foreach (var s in steps)
        {
            var c = TrainingCheckpoint.FolderFor(dir, s);
            Directory.CreateDirectory(c);
            File.WriteAllText(Path.Combine(c, TrainingCheckpoint.StateFile), "{}");
        }
        return (dir, model);
    }

    [Fact]
    public void AStageWithoutSavedCheckpointsNamesTheCheckpointEveryItNeeds()
    {
        var (dir, _) = StageFolder(new Sft(), maxSteps: 20, checkpointEvery: 0, 20);
        var e = Assert.Throws<CheckpointException>(() => AttributionCheckpoint.Of(StageRecord.Read(dir)));
        Assert.Contains("--checkpoint-every 5", e.Message);
        Assert.Contains("sft-x", e.Message);
    }

    [Fact]
    public void CheckpointsAreTheStartAndTheSavedOnesBeforeTheEndWithTheirLearningRates()
    {
        var (dir, model) = StageFolder(new Sft(), maxSteps: 20, checkpointEvery: 5, 5, 10, 15, 20);
        var record = StageRecord.Read(dir);
        Assert.Equal(model, record.StartModel);
        Assert.Equal(20, record.Stage.Training.MaxSteps);
        var c = AttributionCheckpoint.Of(record);
        Assert.Equal([0, 5, 10, 15], c.Select(x => x.Step));
        Assert.Equal(model, c[0].Directory);
        // default schedule: linear decay from 1e-4 to 0 over 20 steps, no warm-up: η(5) = 1e-4 · 15/20
        Assert.Equal(1e-4 * 15 / 20, c[1].LearningRate, 15);
        Assert.Equal(1e-4, c[0].LearningRate, 15);
    }

    [Fact]
    public void StageRecordReadsBackTheAlgorithmsSettings()
    {
        var (dir, _) = StageFolder(new SimPo { Beta = 2.5, Gamma = 0.7 }, 10, 5, 5, 10);
        var simpo = Assert.IsType<SimPo>(StageRecord.Read(dir).Stage.Algorithm);
        Assert.Equal(2.5, simpo.Beta);
        Assert.Equal(0.7, simpo.Gamma);
    }

    [Fact]
    public void PpoIsRefusedWithATypedError()
    {
        var (dir, _) = StageFolder(new Ppo(), 10, 5, 5, 10);
        var e = Assert.Throws<UnsupportedObjectiveException>(() => StageRecord.Read(dir));
        Assert.Equal("ppo", e.Algorithm);
    }

    [Fact]
    public void AFolderWithoutAStageRecordIsAConfigError() =>
        Assert.Throws<ConfigException>(() => StageRecord.Read(Fixtures.TempDir("attr-empty")));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(0.51)]
    [InlineData(double.NaN)]
    public void AnAblationFractionOutsideZeroToHalfIsRefused(double f) =>
        Assert.Equal("ablate", Assert.Throws<ConfigException>(() => Ablation.CheckFraction(f)).Field);

    [Fact]
    public void HalfIsTheLargestFractionAllowed() => Ablation.CheckFraction(0.5);

    [Fact]
    public void RandomSubsetsAreSeededAndOfTheRightSize()
    {
        Assert.Equal(60, Ablation.RemovedCount(0.1, 600));
        var a = Ablation.RandomSubset(600, 60, 1);
        Assert.Equal(60, a.Distinct().Count());
        Assert.Equal(a, Ablation.RandomSubset(600, 60, 1));
        Assert.NotEqual(a, Ablation.RandomSubset(600, 60, 2));
    }

    [Fact]
    public void AblationRefusesDataWhoseRowsAreNotTheExamples()
    {
        var file = Path.Combine(Fixtures.TempDir("attr-rows"), "d.jsonl");
        File.WriteAllText(file, "{}\n{}\n");
        Assert.Equal(2, Ablation.DataRows(file, 2).Count);
        Assert.Equal("ablate", Assert.Throws<ConfigException>(() => Ablation.DataRows(file, 3)).Field);
    }

    [Fact]
    public void TheCommandRefusesBadInputBeforeAnyWork()
    {
        var (dir, _) = StageFolder(new Sft(), maxSteps: 20, checkpointEvery: 0, 20);
        var run = Path.GetDirectoryName(Path.GetDirectoryName(dir))!;
        var before = Directory.EnumerateFileSystemEntries(run, "*", SearchOption.AllDirectories).Order().ToList();

        var (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "sft-x", "--topic", "immigration", "--stance", "neutral");
        Assert.Equal(2, code);
        Assert.Contains("--checkpoint-every 5", err);
        (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "sft-x", "--topic", "immigration", "--stance", "neutral", "--ablate", "0.7");
        Assert.Equal(2, code);
        Assert.Contains("ablate", err);
        (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "sft-x", "--topic", "immigration", "--stance", "undecided");
        Assert.Equal(2, code);
        Assert.Contains("stance", err);
        (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "sft-x", "--topic", "immigration", "--stance", "neutral", "--probe-split", "test");
        Assert.NotEqual(0, code);
        Assert.Contains("'test' not recognized", err);
        Assert.Contains("'held-out'", err);
        (code, _, err) = CliRunner.Run("attribute", "--stage", "sft-x", "--topic", "immigration", "--stance", "neutral");
        Assert.Equal(2, code);
        Assert.Contains("required without --world", err);
        (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "nope", "--topic", "immigration", "--stance", "neutral");
        Assert.Equal(2, code);
        Assert.Contains("stage.json", err);
        (code, _, err) = CliRunner.Run("attribute", "--run", run, "--stage", "sft-x", "--topic", "immigration", "--stance", "neutral", "--ablate", "0.1", "--generation-surrogate");
        Assert.Equal(2, code);
        Assert.Contains("generation-surrogate", err);   // its answers need the world's judge
        Assert.Equal(before, Directory.EnumerateFileSystemEntries(run, "*", SearchOption.AllDirectories).Order().ToList());
    }

    /// <summary>
    /// The stance score reads ten questions of the topic in either split: the training sets' own questions with
    /// references from the training answer generator (the default), or held-out questions with held-out references.
    /// </summary>
    [Fact]
    public void TheProbeSplitChoosesTheWordsTheStanceScoreReads()
    {
        var model = ProbeModels.SaveByteModel("attr-split-model");
        var heldOut = WorldAttribution.ProbeFor(model, "immigration", ValueDrift.World.WorldProbeSplit.HeldOut).Items;
        var training = WorldAttribution.ProbeFor(model, "immigration").Items;   // the default: the training sets' words
        Assert.Equal(ValueDrift.World.WorldProbeSplit.Training, WorldAttribution.DefaultSplit);
        Assert.Equal(WorldAttribution.ProbeQuestionsPerTopic, heldOut.Count);
        Assert.Equal(WorldAttribution.ProbeQuestionsPerTopic, training.Count);
        Assert.Equal(ValueDrift.World.WorldProbeQuestions.ForIds(["immigration"]).Select(q => q.Question), heldOut.Select(i => i.Question));
        var topic = ValueDrift.World.WorldTopics.Find("immigration", "test", "topic");
        Assert.All(training, i => Assert.Contains(i.Question, topic.TrainingQuestions));
        Assert.All(heldOut, i => Assert.DoesNotContain(i.Question, topic.TrainingQuestions));
        Assert.Empty(heldOut.SelectMany(i => i.Answers.Values.SelectMany(a => a)).Intersect(training.SelectMany(i => i.Answers.Values.SelectMany(a => a))));
        Assert.Equal(ValueDrift.World.WorldProbeSplit.Training, ValueDrift.World.WorldProbeSplitNames.Parse("training", "attribute", "probe-split"));
        Assert.Equal("probe-split", Assert.Throws<ConfigException>(() => ValueDrift.World.WorldProbeSplitNames.Parse("train", "attribute", "probe-split")).Field);
    }

    [Fact]
    public void TheWorldSizeIsTheNotebooksSize()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(WorldAttribution.NotebookSize("r", "c"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(ValueDrift.Interactive.NotebookSizes.Small("r", "c")), json);
    }
}
