using ValueDrift.Drift;
using ValueDrift.Probes;
using ValueDrift.Text;
using ValueDrift.World;
using ValueDrift.Experiments;

namespace ValueDrift.WorldRuns;

/// <summary>
/// The probes a world run traces, built once from the base model's text tools: the generation probe (the paper's
/// protocol: K answers sampled at temperature 0.7 per question, judged exactly by the world's stance markers) and,
/// optionally, the likelihood probe (deterministic, over reference answers of the same questions). The demo and the
/// notebook session share this so both measure the same way.
/// </summary>
public sealed record WorldRunProbes(GenerationProbe Generation, LikelihoodProbe? Likelihood)
{
    /// <summary>
    /// The first probe questions of each topic (the recipe's world's <see cref="RecipeWorld.ProbeQuestionsPerTopic"/>),
    /// measured as the world recipe says: answers sampled with its generation settings (its seed run's sampling seed),
    /// the likelihood probe's reference answers drawn with the world's seed (the same instrument for every seed's run).
    /// </summary>
    /// <remarks><paramref name="split"/>: the held-out words every run measures in, or the training sets' own (<see cref="WorldProbeSplit"/>).</remarks>
    public static WorldRunProbes Build(string baseModelDir, WorldOptions world, Recipe recipe, WorldProbeSplit split = WorldProbeSplit.HeldOut)
    {
        var w = recipe.World ?? throw new Errors.ConfigException("recipe", "world", "not a world recipe (it names a base_model)");
        var tokenizer = TokenizerLoader.FromFolder(baseModelDir);
        var template = ChatTemplate.ForModelFolder(baseModelDir, tokenizer);
        var topics = world.Topics ?? WorldTopics.All.Select(t => t.Id).ToList();
        var questions = WorldProbeQuestions.ForIds(topics, split, w.ProbeQuestionsPerTopic)
            .Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question, p.Polarity)).ToList();
        var sampled = new GenerationProbe(new ProbeSet(questions, "world probes"), tokenizer, template, new WorldStanceJudge(), recipe.Probes.Generation);
        var likelihood = w.LikelihoodProbe
            ? new LikelihoodProbe(WorldLikelihoodItems.For(questions, seed: w.Seed, split: split), tokenizer, template, batchSize: 32) : null;
        return new WorldRunProbes(sampled, likelihood);
    }

    /// <summary>The probes with the run's trace paths: trace.jsonl for the generation probe, trace-likelihood.jsonl for the likelihood probe.</summary>
    public IReadOnlyList<TracedProbe> Traced(RunDirectory run)
    {
        var probes = new List<TracedProbe> { new(Generation, run.TracePath) };
        if (Likelihood is not null) probes.Add(new TracedProbe(Likelihood, run.LikelihoodTracePath));
        return probes;
    }

    /// <summary>Opens the run's traces for appending (<see cref="Traced"/>); disposing the result closes them.</summary>
    public OpenTraces Open(RunDirectory run) => TracedProbe.Open(Traced(run));
}
