using System.Diagnostics;
using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Reporting;
using ValueDrift.Text;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>What a recipe run produced: its folder, every stage's result, and the drift report beside the trace.</summary>
public sealed record RecipeResult(RunDirectory Run, IReadOnlyList<StageResult> Stages, DriftReport Report, TimeSpan Elapsed);

/// <summary>
/// Runs a <see cref="Recipe"/> into a run folder: the recipe as read (recipe.json), the base model measured, every
/// stage of <see cref="Recipe.Plan"/> trained and traced by the generation probe with the recipe's judge, then the
/// drift table and report beside the trace. A killed run, started again with the same recipe and folder, continues at
/// the stage and step where it stopped; a finished one is read back.
/// </summary>
public static class RecipeRunner
{
    public static RecipeResult Run(Recipe recipe, string outputDirectory, Action<string>? log = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancel = default)
    {
        var watch = Stopwatch.StartNew();
        log ??= _ => { };
        var plan = recipe.Plan();
        plan.Validate();
        var run = new RunDirectory(outputDirectory);
        IO.AtomicFile.WriteAllText(Path.Combine(run.Root, "recipe.json"), recipe.ToJson());

        var set = recipe.Probes.File is { } file ? ProbeSet.Load(file) : ProbeSet.OpenValues();
        var tokenizer = TokenizerLoader.FromFolder(recipe.BaseModel);
        var template = ChatTemplate.ForModelFolder(recipe.BaseModel, tokenizer);
        var judge = JudgeSpec.Parse(recipe.Probes.Judge, "probes.judge");
        try
        {
            var probe = new GenerationProbe(set, tokenizer, template, judge, recipe.Probes.Generation);
            log($"recipe: {plan.Stages.Count} stages, {set.Questions.Count} probe questions × {recipe.Probes.Generation.Samples} answers per measurement");
            var results = plan.Run(run, [new TracedProbe(probe, run.TracePath)], log, progress, cancel);
            var report = DriftReport.FromTrace(run.TracePath);
            log($"report: {report.HtmlPath}");
            return new RecipeResult(run, results, report, watch.Elapsed);
        }
        finally { (judge as IDisposable)?.Dispose(); }
    }
}
