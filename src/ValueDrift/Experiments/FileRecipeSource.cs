using Microsoft.Extensions.Logging;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.Training;

namespace ValueDrift.Experiments;

/// <summary>
/// A recipe's own files as its source: the base_model folder, data files as the recipe names them, and the generation
/// probe over the recipe's probe set (or the open values set) judged by the recipe's judge, whose answers are cached
/// in each run folder's judge-cache (<see cref="RecipeRunner.JudgementCacheFolder"/>). Nothing is written before the
/// first stage.
/// </summary>
public sealed class FileRecipeSource : IRecipeSource
{
    public static readonly FileRecipeSource Instance = new();

    public RecipeInputs Prepare(Recipe recipe, RunDirectory run, ILogger log, IProgress<TrainingProgress>? progress) => new Inputs(recipe);

    public RecipeInputs Reopen(Recipe recipe, RunDirectory prepared, ILogger log) => new Inputs(recipe);

    private sealed class Inputs(Recipe recipe) : RecipeInputs
    {
        private readonly ProbeSet _set = recipe.Probes.File is { } file ? ProbeSet.Load(file) : ProbeSet.OpenValues();
        private readonly List<object> _judges = [];

        public override string BaseModel { get; } = recipe.BaseModel
            ?? throw new Errors.ConfigException("recipe", "base_model", "missing: a recipe of files needs a base model folder");

        public override string DataPath(string entry) => entry;

        public override IReadOnlyList<TracedProbe> Probes(GenerationProbeOptions generation, RunDirectory run)
        {
            var tokenizer = TokenizerLoader.FromFolder(BaseModel);
            var template = ChatTemplate.ForModelFolder(BaseModel, tokenizer);
            var judge = JudgeSpec.Open(recipe.Probes.Judge, Path.Combine(run.Root, RecipeRunner.JudgementCacheFolder), where: "probes.judge");
            _judges.Add(judge);
            return [new TracedProbe(new GenerationProbe(_set, tokenizer, template, judge, generation), run.TracePath)];
        }

        public override string Describe(GenerationProbeOptions generation) => $"{_set.Questions.Count} probe questions × {generation.Samples} answers per measurement";

        public override void Dispose()
        {
            foreach (var judge in _judges) (judge as IDisposable)?.Dispose();
            _judges.Clear();
            base.Dispose();
        }
    }
}
