using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Tests.Cli;
using ValueDrift.Tests.Experiments;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;
using Xunit;

namespace ValueDrift.Tests.Reliability;

/// <summary>
/// A way back after a fix: a stage that failed before its first checkpoint is replaced by its corrected definition
/// (one line says so); a changed stage with progress is refused with the exact command to start it again, and that
/// command works (<c>train --new-folder</c>; <c>--restart-stage</c> on a plan, with the stages that start from it).
/// </summary>
[Trait("tier", "fast")]
public class RecoveryTests
{
    [Fact]
    public void A_stage_that_failed_on_bad_data_reruns_once_the_file_is_fixed()
    {
        var model = StageFixtures.TinyModelFolder();
        var data = StageFixtures.Write("sft.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hi\"}]}", "this is not JSON");
        var stage = Path.Combine(Fixtures.TempDir("recovery-train"), "sft");
        string[] args = ["train", "sft", "--model", model, "--data", data, "--out", stage, "--steps", "2", "--batch-size", "2", "--lr", "1e-3"];

        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains("row 2", err);
        Assert.True(File.Exists(StageManifest.PathIn(stage)));   // the failed stage left its record

        File.WriteAllLines(data, File.ReadAllLines(data)[..1].Concat(StageFixtures.Conversations() is var good ? File.ReadAllLines(good) : []));
        (code, _, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        Assert.Single(err.Split('\n'), l => l.Contains("replacing the stage recorded") && l.Contains("stopped before its first checkpoint") && l.Contains("data_sha256"));
        Assert.NotNull(TrainingCheckpoint.Latest(stage));

        // Now it has progress: a changed definition is refused with the command that starts it again, which works.
        (code, _, err) = CliRunner.Run([.. args[..^1], "2e-3"]);
        Assert.Equal(2, code);
        Assert.Contains("with progress (checkpoint step 2); changed: training.learning_rate", err);
        var command = err[(err.IndexOf("run: valuedrift ", StringComparison.Ordinal) + "run: valuedrift ".Length)..];
        command = command[..command.IndexOf(" (it runs in", StringComparison.Ordinal)];
        Assert.EndsWith(" --lr 2e-3 --new-folder", command);
        (code, _, err) = CliRunner.Run(command.Split(' '));   // the temp paths need no quoting
        Assert.True(code == 0, err);
        Assert.NotNull(TrainingCheckpoint.Latest(stage + ".2"));
    }

    [Fact]
    public void Restart_stage_starts_a_changed_stage_again_with_the_stages_that_start_from_it()
    {
        var model = StageFixtures.TinyModelFolder();
        var run = new RunDirectory(Fixtures.TempDir("recovery-plan"));
        StagePlan Plan(double lr) => new(model,
        [
            new PlannedStage(new Stage { Name = "sft", Algorithm = new Sft(), DataPath = StageFixtures.Conversations(), Training = new TrainerOptions { MaxSteps = 2, BatchSize = 4, LearningRate = lr } }, null),
            new PlannedStage(new Stage { Name = "dpo", Algorithm = new Dpo(), DataPath = StageFixtures.TextPairs(), Training = new TrainerOptions { MaxSteps = 2, BatchSize = 4, LearningRate = 1e-4 } }, "sft"),
        ]);
        Plan(1e-3).Run(run, []);
        var firstDpo = File.ReadAllText(Path.Combine(run.StageDirectory("dpo"), "metrics.jsonl"));

        var refusal = Assert.Throws<ConfigException>(() => Plan(2e-3).Run(run, [], recovery: new StageRecovery { RestartAdvice = n => $"restart {n}" }));
        Assert.Contains("changed: training.learning_rate: 0.001 → 0.002", refusal.Message);
        Assert.EndsWith("to start it again, restart sft", refusal.Message);

        var lines = new List<string>();
        var results = Plan(2e-3).Run(run, [], LineLogger.To(lines.Add), recovery: new StageRecovery { RestartStages = ["sft"] });
        Assert.All(results, r => Assert.False(r.AlreadyComplete));
        Assert.Contains(lines, l => l.StartsWith("sft: starting again from scratch"));
        Assert.Contains(lines, l => l.StartsWith("dpo: starting again from scratch") && l.Contains("starts from a restarted stage"));
        Assert.NotEqual(firstDpo, File.ReadAllText(Path.Combine(run.StageDirectory("dpo"), "metrics.jsonl")));

        Assert.Throws<ConfigException>(() => Plan(2e-3).Run(run, [], recovery: new StageRecovery { RestartStages = ["nope"] }));
    }

    [Fact]
    public void A_plan_with_an_unreadable_second_file_fails_before_any_stage_trains()
    {
        var model = StageFixtures.TinyModelFolder();
        var run = new RunDirectory(Fixtures.TempDir("preflight-plan"));
        var bad = StageFixtures.Write("pairs.jsonl", "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}", "{\"prompt\": \"a\", \"chosen\": 7}");
        var plan = new StagePlan(model,
        [
            new PlannedStage(new Stage { Name = "sft", Algorithm = new Sft(), DataPath = StageFixtures.Conversations(), Training = new TrainerOptions { MaxSteps = 2, BatchSize = 4 } }, null),
            new PlannedStage(new Stage { Name = "dpo", Algorithm = new Dpo(), DataPath = bad, Training = new TrainerOptions { MaxSteps = 2, BatchSize = 4 } }, "sft"),
        ]);
        var e = Assert.Throws<DataFormatException>(() => plan.Run(run, []));
        Assert.Contains("row 2", e.Message);
        Assert.False(Directory.Exists(run.StageDirectory("sft")), "the first stage ran before the second's data was read");
    }

    [Fact]
    public void A_max_length_beyond_the_models_context_is_refused_with_both_numbers()
    {
        var model = StageFixtures.TinyModelFolder();
        int context = ValueDrift.Models.ModelConfig.Load(Path.Combine(model, "config.json")).MaxPositionEmbeddings;
        var (code, _, err) = CliRunner.Run("train", "sft", "--model", model, "--data", StageFixtures.Conversations(), "--out",
            Path.Combine(Fixtures.TempDir("preflight-context"), "sft"), "--steps", "1", "--max-length", (context + 1).ToString());
        Assert.Equal(2, code);
        Assert.Contains($"max_length': {context + 1} is above the model's max_position_embeddings {context}", err);
    }
}
