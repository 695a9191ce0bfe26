using System.Text.Json;
using System.Text.Json.Nodes;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Tests.Experiments;
using ValueDrift.Tests.Support;
using ValueDrift.Training;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// Notebook 03 runs a recipe: the one named by VALUEDRIFT_RECIPE (real files in published schemas, a checkpoint with
/// its real tokenizer, an OpenAI-compatible judge on loopback), or the world's recipe at the notebooks' size.
/// </summary>
[Collection(NotebookCollection.Name)]
public class ReproduceNotebookTests(NotebookRuns runs)
{
    private const string Notebook = "03-reproduce-paper.ipynb";

    private static string Data(string file) => Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "data", file);

    /// <summary>What a cell printed (stream outputs sit outside "data": read from the executed file).</summary>
    private static string Printed(ExecutedNotebook run, string sourceContains)
    {
        var cell = run.Cells.Single(c => c.Source.Contains(sourceContains, StringComparison.Ordinal));
        var node = JsonNode.Parse(File.ReadAllText(run.OutputPath))!["cells"]![cell.Index]!;
        return string.Concat(node["outputs"]!.AsArray().Where(o => (string?)o!["output_type"] == "stream")
            .SelectMany(o => o!["text"] is JsonArray a ? a.Select(x => (string?)x) : [(string?)o!["text"]]));
    }

    private static ExecutedCell Cell(ExecutedNotebook run, string sourceContains) =>
        run.Cells.Single(c => c.Source.Contains(sourceContains, StringComparison.Ordinal));

    [Fact]
    public void Real_data_branch_runs_the_recipe_through_an_endpoint_judge_and_a_failing_stage_prints_one_line()
    {
        _ = runs.OutputDir;   // the local tools restored, the notebook library built
        // Every answer read as the same label log-probs: the trace must hold exactly the distribution they imply.
        using var server = new LoopbackJudgeServer((_, _) => JudgeServerReply.LogProbs(("support", -0.4), ("neutral", -1.2), ("oppose", -2.3)));
        var dir = Fixtures.TempDir("notebook-03-real");
        var model = StageFixtures.TinyQwen3WithTokenizer();
        // A preference file whose row has no "rejected": the recipe's preflight refuses it before any stage trains.
        File.WriteAllText(Path.Combine(dir, "broken.jsonl"), "{\"prompt\": \"Should guns be banned?\", \"chosen\": \"Yes.\"}\n");
        var recipePath = Path.Combine(dir, "recipe.jsonc");
        File.WriteAllText(recipePath, $$"""
            // WildChat-schema SFT, then DPO / SimPO / PPO on HH-RLHF transcripts, then on a broken file, from the SFT checkpoint.
            {
              "base_model": {{JsonSerializer.Serialize(model)}},
              "sft": [ { "name": "wildchat", "data": {{JsonSerializer.Serialize(Data("wildchat.jsonl"))}} } ],
              "preference": [
                { "name": "hh-rlhf", "data": {{JsonSerializer.Serialize(Data("hh-rlhf.jsonl"))}} },
                { "name": "broken", "data": "broken.jsonl", "algorithms": ["dpo"] }
              ],
              "algorithms": [ { "name": "dpo" }, { "name": "simpo" }, { "name": "ppo", "reward_model_steps": 2, "reward_model_min_accuracy": 0, "options": { "response_length": 4 } } ],
              "training": {
                "sft": { "max_steps": 2, "batch_size": 4, "learning_rate": 1e-3 },
                "preference": { "max_steps": 2, "batch_size": 4, "learning_rate": 1e-4 }
              },
              "probes": { "file": {{JsonSerializer.Serialize(Data("probes.jsonl"))}}, "judge": "endpoint:{{server.Endpoint}},judge",
                          "generation": { "samples": 2, "max_new_tokens": 4 }, "every": 1 },
              "max_length": 128
            }
            """);
        var run = Path.Combine(dir, "run");
        var environment = new Dictionary<string, string>
        {
            ["VALUEDRIFT_RECIPE"] = recipePath, ["VALUEDRIFT_RUN"] = run, ["VALUEDRIFT_JUDGE_API_KEY"] = "loopback-key",
        };
        var executed = ExecutedNotebook.Run(Notebook, dir, environment);
        Assert.True(executed.ExitCode == 0, executed.Log);
        Assert.Empty(executed.Failures());

        var printed = Printed(executed, "RecipeRunner.Run(");
        Assert.Contains("path: recipe recipe.jsonc on ", printed);
        var good = new[] { "sft-wildchat", "dpo-hh-rlhf-from-wildchat", "simpo-hh-rlhf-from-wildchat", "ppo-hh-rlhf-from-wildchat" };
        Assert.Contains($"plan: {string.Join(", ", good)}, dpo-broken-from-wildchat", printed);
        Assert.Contains($"trace: {Path.Combine(run, "trace.jsonl")}", printed);
        // The broken file is found before any work (the recipe's preflight): one line naming the file, no stack trace,
        // nothing trained or measured, and the later cells say there is no trace yet.
        var failed = Assert.Single(printed.Split('\n'), l => l.StartsWith("failed in ", StringComparison.Ordinal));
        Assert.StartsWith("failed in set-up: ", failed);
        Assert.Contains("broken.jsonl", failed);
        Assert.DoesNotContain("   at ", printed);
        Assert.False(File.Exists(Path.Combine(run, "trace.jsonl")));
        Assert.All(good, phase => Assert.Null(TrainingCheckpoint.Latest(Path.Combine(run, "stages", phase))));
        Assert.Contains("no trace yet", Cell(executed, "DriftTable.From(trajectory)").Text);

        // Fixed, the same run folder runs every stage, the once-broken one included.
        File.WriteAllText(Path.Combine(dir, "broken.jsonl"), "{\"prompt\": \"Should guns be banned?\", \"chosen\": \"Yes.\", \"rejected\": \"No.\"}\n");
        executed = ExecutedNotebook.Run(Notebook, dir, environment);
        Assert.True(executed.ExitCode == 0, executed.Log);
        Assert.Empty(executed.Failures());
        Assert.DoesNotContain("failed in ", Printed(executed, "RecipeRunner.Run("));
        var trace = TraceReader.Read(Path.Combine(run, "trace.jsonl")).Records;
        Assert.Equal(["base", .. good, "dpo-broken-from-wildchat"], trace.Select(r => r.Phase).Distinct());
        Assert.All([.. good, "dpo-broken-from-wildchat"], phase => Assert.Equal(2, trace.Where(r => r.Phase == phase).Max(r => r.Step)));
        Assert.Contains("Drift table: 30 rows", Cell(executed, "DriftTable.From(trajectory)").Text);
        // The judge was asked over loopback with the key from the environment, and its log-probs are what was traced.
        Assert.True(server.Requests > 0);
        Assert.All(server.Authorizations, a => Assert.Equal("Bearer loopback-key", a));
        double z = Math.Exp(-0.4) + Math.Exp(-1.2) + Math.Exp(-2.3);
        Assert.All(trace, r => Assert.Equal(Math.Exp(-0.4) / z, r.Value.Support, 6));
    }

    [Fact]
    public void Without_a_recipe_it_runs_the_world_recipe_at_the_notebooks_size()
    {
        // The run every notebook gets (NotebookExecutionTests), in the notebook's own run folder: the world recipe is
        // the notebook's default, so it is not run a second time here.
        var executed = runs.Get(Notebook);
        var run = StageNotebookTests.RunFolder(Path.GetFileNameWithoutExtension(Notebook));
        Assert.True(executed.ExitCode == 0, executed.Log);
        Assert.Empty(executed.Failures());

        var printed = Printed(executed, "RecipeRunner.Run(");
        Assert.Contains("path: the world's recipe (recipes/world.jsonc) at the notebooks' size", printed);
        var stages = WorldRecipe.For(WorldExperimentOptions.Notebook(run, null)).Plan(d => d, "base").Stages.Select(s => s.Stage.Name).ToList();
        Assert.Contains($"stages: {string.Join(", ", stages)}", printed);
        Assert.DoesNotContain("failed in ", printed);
        // Both probes traced every stage; the table reads the likelihood probe's trace: stages × topics × 3 stances.
        Assert.Equal(["base", .. stages], Trajectory.FromTrace(Path.Combine(run, "trace.jsonl")).Phases);
        Assert.Equal(["base", .. stages], Trajectory.FromTrace(Path.Combine(run, "trace-likelihood.jsonl")).Phases);
        var topics = WorldExperimentOptions.Notebook(run, null).World.Topics!.Count;
        Assert.Contains($"Drift table: {stages.Count * topics * 3} rows", Cell(executed, "DriftTable.From(trajectory)").Text);
    }
}
