using ValueDrift.Common;
using ValueDrift.Drift;
using ValueDrift.Experiments;
using ValueDrift.Interactive;
using ValueDrift.Training;
using ValueDrift.World;
using ValueDrift.WorldRuns;
using Xunit;

namespace ValueDrift.Tests.Notebooks;

/// <summary>
/// The notebook session in-process at the quick size: progress outside a notebook goes to the logger, an interrupted
/// stage keeps its trace and says so, and the notebook size shares the demo's world, base model and cache.
/// </summary>
public class WorldSessionTests
{
    private static readonly string Cache = Fixtures.SharedTempDir("session-cache");

    [Fact]
    public void An_interrupted_stage_keeps_what_was_traced_and_a_rerun_completes_it_with_progress_in_the_log()
    {
        var lines = new List<string>();
        var options = WorldExperimentOptions.Quick(Fixtures.TempDir("session-run")) with { CacheRoot = Cache };
        var session = WorldSession.Start(options, logger: LineLogger.To(lines.Add));
        Assert.Contains(lines, l => l.StartsWith("session ready in ", StringComparison.Ordinal));
        // The plan is built once per session: the same stage object every time it is asked for.
        Assert.Same(session.Stage(WorldExperiment.SupportiveSft), session.Stage(WorldExperiment.SupportiveSft));

        // Cancelled before it starts: the loop makes one step, saves it and stops (what the cell's interrupt does).
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var stopped = session.Run(session.Stage(WorldExperiment.SupportiveSft), null, cancelled.Token);
        Assert.True(stopped.Interrupted);
        Assert.Contains("interrupted at step 1", stopped.Summary);
        Assert.Empty(session.Stages);
        var traced = Trajectory.FromTrace(session.Folder.TracePath);
        Assert.Equal([0, 1], traced.Series(WorldExperiment.SupportiveSft, traced.Topics[0]).Select(p => p.Step));
        Assert.Contains(lines, l => l.Contains("sft-supportive: interrupted after", StringComparison.Ordinal));
        var e = Assert.Throws<Errors.ConfigException>(() => session.Run("dpo-standard", stopped));
        Assert.Contains("was interrupted", e.Message);

        // Run again: the stage continues from the step it stopped at, and its phase is traced once, to its last step.
        lines.Clear();
        var done = session.Run(WorldExperiment.SupportiveSft);
        Assert.False(done.Interrupted);
        Assert.Contains(lines, l => l.Contains("(resuming)", StringComparison.Ordinal));
        Assert.Single(session.Stages);
        var steps = Trajectory.FromTrace(session.Folder.TracePath).Series(WorldExperiment.SupportiveSft, traced.Topics[0]).Select(p => p.Step).ToList();
        Assert.Equal(steps.Distinct().Order(), steps);
        Assert.Equal(options.SftSteps, steps[^1]);
        // Outside a notebook the progress is log lines: the finished phase with its step count, then the stage's end.
        Assert.Contains(lines, l => l.StartsWith($"sft-supportive from base: sft step {options.SftSteps}/{options.SftSteps} · loss ", StringComparison.Ordinal) && l.Contains("· done in "));
        Assert.Contains(lines, l => l.StartsWith("sft-supportive: trained in ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_stage_reads_as_one_line_ends_its_progress_and_keeps_the_cause()
    {
        var lines = new List<string>();
        var options = WorldExperimentOptions.Quick(Fixtures.TempDir("session-fail")) with { CacheRoot = Cache };
        var session = WorldSession.Start(options, logger: LineLogger.To(lines.Add));
        var missing = Path.Combine(session.Folder.Root, "no-such-file.jsonl");
        var e = Assert.Throws<StageFailedException>(() => session.Run(session.Stage(WorldExperiment.SupportiveSft) with { DataPath = missing }));
        // What a kernel prints for a failed cell is the exception's ToString(): here one line naming the file.
        Assert.DoesNotContain('\n', e.ToString());
        Assert.StartsWith("sft-supportive failed: ", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("no-such-file.jsonl", e.ToString());
        Assert.NotNull(e.InnerException);
        Assert.NotNull(e.InnerException!.StackTrace);   // the cause keeps its stack for the details element
        Assert.Equal(e.Message, lines[^1]);             // the progress ends "… failed: …", not "starting…"
        Assert.Empty(session.Stages);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void The_notebook_size_uses_the_demos_world_base_model_and_cache()
    {
        var notebook = NotebookSizes.Small("runs/x");
        var demo = WorldExperimentOptions.Default("runs/demo");
        Assert.Null(notebook.CacheRoot);     // resolved like the demo's: $VALUEDRIFT_CACHE, else ~/.cache/valuedrift
        Assert.Equal(demo.BaseModel.Key(demo.World), notebook.BaseModel.Key(notebook.World));
        Assert.Equal("/elsewhere", NotebookSizes.Small("runs/x", "/elsewhere").CacheRoot);
    }

    [Fact]
    [Trait("tier", "fast")]
    public void Progress_outside_a_notebook_reads_as_status_lines()
    {
        Assert.Null(KernelDisplay.TryShow(new ProgressView("<b>x</b>")));
        Assert.Equal(CancellationToken.None, KernelDisplay.CellCancellation());
        Assert.Equal("ppo step 12/48 · loss 0.412 · 36 s left", StageProgress.Status(new TrainingProgress("ppo", 12, 48, 0.4123, TimeSpan.FromSeconds(12))));
        Assert.Equal("reward step 20/20 · loss 0.100 · done in 7 s", StageProgress.Status(new TrainingProgress("reward", 20, 20, 0.1, TimeSpan.FromSeconds(7))));
        var lines = new List<string>();
        var progress = StageProgress.Start("ppo-standard from sft-supportive", LineLogger.To(lines.Add));
        Assert.False(progress.InNotebook);
        progress.Report(new TrainingProgress("reward", 1, 2, 0.7, TimeSpan.FromSeconds(1)));
        progress.Report(new TrainingProgress("reward", 2, 2, 0.6, TimeSpan.FromSeconds(2)));
        progress.Report(new TrainingProgress("ppo", 1, 4, 0.3, TimeSpan.FromSeconds(1)));
        Assert.Equal(["ppo-standard from sft-supportive: reward step 2/2 · loss 0.600 · done in 2 s"], lines);
        Assert.Contains("ppo step 1/4", progress.Html);
    }
}
