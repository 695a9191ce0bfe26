using ValueDrift.Common;
using ValueDrift.Errors;
using ValueDrift.Experiments;
using ValueDrift.Probes;
using ValueDrift.Training.Algorithms;
using ValueDrift.World;
using ValueDrift.WorldRuns;

namespace ValueDrift.Attribution;

/// <summary>
/// Attribution on the embedded world: its run set up (datasets, cached base model, probes), the stage run with
/// checkpoints for attribution (and the SFT stage it starts from, when it has one), and the stance each training
/// example was generated with, which a real dataset does not record.
/// </summary>
public static class WorldAttribution
{
    /// <summary>The notebooks' size (<see cref="WorldExperimentOptions.Notebook"/>).</summary>
    public static WorldExperimentOptions NotebookSize(string runFolder, string? cacheRoot) => WorldExperimentOptions.Notebook(runFolder, cacheRoot);

    /// <summary>A stage of the world run in <paramref name="o"/>'s folder, run (or reused) with the checkpoints attribution needs.</summary>
    public static (WorldSetup Setup, StageRecord Record) RunStage(WorldExperimentOptions o, string stageName, Action<string>? log = null, CancellationToken cancel = default)
    {
        log ??= _ => { };
        var known = WorldExperiment.Stages(o, name => name).Select(s => s.Stage.Name).ToList();   // names only: nothing written yet
        if (!known.Contains(stageName))
            throw new ConfigException("attribution", "stage", $"unknown world stage '{stageName}'; the world has {string.Join(", ", known)}");
        var setup = WorldExperiment.Prepare(o, LineLogger.To(log));
        var stages = WorldExperiment.Stages(o, setup.DataPath);
        var (stage, from) = stages.First(s => s.Stage.Name == stageName);
        if (!stage.Algorithm.SupportsAttribution) throw new UnsupportedObjectiveException("attribution", stage.Algorithm.Name);

        // Every stage of an attribution run keeps its checkpoints, the one a preference stage starts from too, so that
        // stage's folder is the same whether it was attributed first or only run on the way.
        static Stage WithCheckpoints(Stage s) => s.Training.CheckpointEvery > 0 ? s
            : s with { Training = s.Training with { CheckpointEvery = AttributionCheckpoint.SuggestedEvery(s.Training.MaxSteps), KeepCheckpoints = 0 } };
        var runner = new StageRunner(setup.Run, []) { Logger = LineLogger.To(log) };
        var start = setup.BaseModel;
        if (from is not null) start = runner.Run(WithCheckpoints(stages.First(s => s.Stage.Name == from).Stage), start, cancel).FinalCheckpoint;
        var result = runner.Run(WithCheckpoints(stage), start, cancel);
        return (setup, StageRecord.Read(result.Directory));
    }

    /// <summary>
    /// The label of each example of a world dataset file, in file order: the topic and stance a value row was
    /// generated with (a pair's chosen answer's), nulls for instruction rows. Null when the file is not one of the
    /// world's.
    /// </summary>
    public static IReadOnlyList<ExampleLabel>? Labels(WorldOptions world, string dataPath, int examples)
    {
        var bundle = WorldDatasets.Build(world);
        static string? L(WorldStance? s) => s is { } v ? ((Stance)(int)v).Label() : null;
        static ExampleLabel Row(WorldSftExample r) => new(r.Topic, L(r.Stance));
        static ExampleLabel Pair(WorldPreferencePair p) => new(p.IsValueRow ? p.Topic : null, L(p.ChosenStance));
        var name = Path.GetFileName(dataPath);
        IReadOnlyList<ExampleLabel>? labels =
            name == WorldDatasets.FileName(WorldDatasets.NeutralSft) ? bundle.NeutralSft.Select(Row).ToList()
            : name == WorldDatasets.FileName(WorldDatasets.SupportiveSft) ? bundle.SupportiveSft.Select(Row).ToList()
            : name == WorldDatasets.FileName(WorldDatasets.StandardPreference) ? bundle.StandardPreference.Select(Pair).ToList()
            : name == WorldDatasets.FileName(WorldDatasets.SupportAligned) ? bundle.SupportAligned.Select(Pair).ToList()
            : name == WorldDatasets.FileName(WorldDatasets.OpposeAligned) ? bundle.OpposeAligned.Select(Pair).ToList()
            : null;
        return labels?.Count == examples ? labels : null;
    }

    /// <summary>
    /// The world's likelihood probe for one topic on a stage's model folder: all ten of the topic's held-out probe
    /// questions with held-out reference answers, or with <see cref="WorldProbeSplit.Training"/> ten questions and
    /// reference answers in the training sets' own words (what the model memorised, not only what it generalised).
    /// </summary>
    public static LikelihoodProbe ProbeFor(string modelDir, string topic, WorldProbeSplit split = DefaultSplit)
    {
        var tokenizer = Text.TokenizerLoader.FromFolder(modelDir);
        var id = WorldTopics.Find(topic, "attribution", "topic").Id;
        var questions = WorldProbeQuestions.ForIds([id], split, ProbeQuestionsPerTopic).Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question));
        return new LikelihoodProbe(WorldLikelihoodItems.For(questions, split: split), tokenizer, Text.ChatTemplate.ForModelFolder(modelDir, tokenizer));
    }

    /// <summary>
    /// The generation-probe surrogate on a world stage (<see cref="GenerationSurrogate"/>): the stage's start model
    /// answers the topic's ten held-out probe questions (the ones the run's generation probe asks) with the run's
    /// sampling settings, <see cref="GenerationSurrogate.DefaultSamples"/> answers each, read by the world's exact judge.
    /// </summary>
    public static GenerationSurrogate SurrogateFor(WorldSetup setup, StageRecord record, string topic, Stance stance, int samples = GenerationSurrogate.DefaultSamples)
    {
        var tokenizer = Text.TokenizerLoader.FromFolder(record.StartModel);
        var template = Text.ChatTemplate.ForModelFolder(record.StartModel, tokenizer);
        var id = WorldTopics.Find(topic, "attribution", "topic").Id;
        var questions = WorldProbeQuestions.ForIds([id], WorldProbeSplit.HeldOut, ProbeQuestionsPerTopic).Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question, p.Polarity)).ToList();
        var probe = new GenerationProbe(new ProbeSet(questions, "world held-out probe questions"), tokenizer, template, new WorldStanceJudge(),
            setup.Probes.Generation.Options with { Samples = samples });
        using var start = Models.CausalLM.FromPretrained(record.StartModel);
        return GenerationSurrogate.Sample(start, probe, tokenizer, template, id, stance);
    }

    /// <summary>
    /// The words attribution reads by default: the training sets' own. At the world's sizes the likelihood probe in
    /// held-out words does not follow SFT (docs/world.md, "Both splits"; on sft-neutral its M is zero across seeds), so
    /// there would be no drift to attribute; in training words it moves the way the data leans, with intervals that
    /// exclude zero. Held-out words stay one option away (docs/attribution.md reports both).
    /// </summary>
    public const WorldProbeSplit DefaultSplit = WorldProbeSplit.Training;

    /// <summary>Probe questions the stance score and the ablation read per topic (all ten of a world topic's held-out ones).</summary>
    public const int ProbeQuestionsPerTopic = 10;
}
