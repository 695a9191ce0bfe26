using ValueDrift.Errors;
using ValueDrift.Common;
using System.Diagnostics;
using ValueDrift.Data;
using ValueDrift.Models;
using ValueDrift.Probes;
using ValueDrift.Training;
using ValueDrift.Training.Algorithms;

namespace ValueDrift.Attribution;

/// <summary>
/// Attributes a finished stage's drift on one topic and stance to its training examples: at the stage's start and
/// each checkpoint it saved, the examples' loss gradients (cached under the stage folder) and the stance score's
/// gradient, combined by <see cref="TracIn"/>. Reads the stage folder; writes only its attribution-cache/.
/// </summary>
public static class Attributor
{
    public static AttributionResult Run(StageRecord record, LikelihoodProbe probe, string topic, Stance stance,
        AttributionOptions? options = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        options ??= new AttributionOptions();
        log ??= _ => { };
        var watch = Stopwatch.StartNew();
        var score = new StanceScore(probe, topic, stance);                 // unknown topic: refused before any work
        var checkpoints = AttributionCheckpoint.Of(record);               // no checkpoints: refused before any work
        var stage = record.Stage;
        if (stage.Policy.Lora is not null)
            throw new ConfigException(Experiments.StageManifest.PathIn(record.Directory), "policy.lora", "attribution reads full checkpoints; a LoRA stage's adapters are not supported yet");
        var inputs = new StageInputs(record.StartModel, ModelConfig.Load(Path.Combine(record.StartModel, "config.json")), stage.MaxLength, stage.SkipBadRows);

        var terms = new List<TracIn.Term>();
        int[]? trainedAtAll = null;
        var described = new List<CheckpointTerm>();
        string? restriction = null, projection = null;
        IReadOnlyList<string>? texts = null;
        foreach (var c in checkpoints)
        {
            cancel.ThrowIfCancellationRequested();
            var context = new AlgorithmContext
            {
                Stage = stage.Name, StartModel = c.Directory, Inputs = inputs, DataPath = stage.DataPath, Loop = stage.Training,
                RunDirectory = null, Cancel = cancel,
            };
            using var step = stage.Algorithm.CreateStep(context);
            if (step is not GradientStep gradientStep) throw new UnsupportedObjectiveException(Experiments.StageManifest.PathIn(record.Directory), stage.Algorithm.Name);
            var objective = gradientStep.Objective;
            objective.Prepare(record.Directory);   // DPO: reads the reference log-probs the stage cached; never rewrites them once checkpoints exist
            var policy = objective.Policy;
            long inputDim = options.Restriction.Select(policy).Sum(p => p.Parameter.numel());
            using var sketch = new GradientSketch(inputDim, options.ProjectionDimension, options.ProjectionSeed);
            restriction ??= options.Restriction.Describe(policy);
            projection ??= sketch.Dimension == 0 ? "none" : $"count sketch to d = {sketch.Dimension} (seed {sketch.Seed})";
            texts ??= Texts(stage.Algorithm, inputs, objective.ExampleCount, stage.DataPath);

            var scoreGradient = ExampleGradients.Of(score, policy, options.Restriction, sketch);
            double scoreValue = score.Value(policy);
            var key = GradientCache.Key(options.Restriction, sketch, stage.DataPath, stage.Algorithm.Describe().ToJsonString());
            var path = GradientCache.PathFor(record.Directory, c.Step, key);
            var cached = options.UseCache ? GradientCache.TryRead(path, objective.ExampleCount, sketch.OutputDimension) : null;
            var gradients = cached;
            if (gradients is null)
            {
                log($"{stage.Name}: step {c.Step}: gradients of {objective.ExampleCount} examples");
                gradients = ExampleGradients.Of(objective, options.Restriction, sketch, cancel);
                if (options.UseCache) GradientCache.Write(path, gradients);
            }
            else log($"{stage.Name}: step {c.Step}: gradients from the cache");
            int[]? occurrences = null;
            if (options.TrainedStepsOnly)
            {
                // The steps this checkpoint stands for: up to the next checkpoint, or the stage's end.
                int next = checkpoints.SkipWhile(x => x.Step <= c.Step).Select(x => x.Step).DefaultIfEmpty(stage.Training.MaxSteps).First();
                occurrences = Occurrences(objective.ExampleCount, gradientStep.ExamplesPerStep(stage.Training), stage.Training.Seed, c.Step, next);
                trainedAtAll ??= new int[objective.ExampleCount];
                for (int i = 0; i < occurrences.Length; i++) trainedAtAll[i] += occurrences[i];
            }
            terms.Add(new TracIn.Term(c.LearningRate, gradients, scoreGradient, occurrences));
            described.Add(new CheckpointTerm(c.Step, c.LearningRate, scoreValue, cached is not null));
            GC.Collect();   // finalise the checkpoint's tensor wrappers before the next model loads: their native memory is invisible to the GC
        }
        return new AttributionResult(stage.Name, stage.Algorithm.Name, topic, stance.Label(), options.UnitExampleGradients ? AttributionResult.UnitMethodName : AttributionResult.MethodName,
            restriction!, projection!, described, TracIn.Scores(terms, options.UnitExampleGradients), texts!, watch.Elapsed)
        {
            NeverTrained = trainedAtAll?.Count(x => x == 0),
        };
    }

    /// <summary>
    /// How many times each of <paramref name="examples"/> is trained on in steps [<paramref name="from"/>,
    /// <paramref name="to"/>) of a stage (<see cref="BatchSampler"/>: the trainer's own seeded order).
    /// </summary>
    public static int[] Occurrences(int examples, int examplesPerStep, long seed, int from, int to)
    {
        var counts = new int[examples];
        var sampler = new BatchSampler(examples, examplesPerStep, seed);
        for (int s = from; s < to; s++)
            foreach (var i in sampler.IndicesForStep(s)) counts[i]++;
        return counts;
    }

    /// <summary>Each example as text: the decoded completion (SFT) or chosen answer (preference pairs).</summary>
    private static IReadOnlyList<string> Texts(Algorithm algorithm, StageInputs inputs, int count, string dataPath)
    {
        if (inputs.Tokenizer is not { } tokenizer) return Enumerable.Repeat("", count).ToList();
        return algorithm.Data == TrainingData.Conversations
            ? inputs.Conversations(dataPath).Select(e => tokenizer.Decode(e.CompletionIds).Trim()).ToList()
            : inputs.Preferences(dataPath).Select(p => tokenizer.Decode(p.ChosenIds).Trim()).ToList();
    }
}
