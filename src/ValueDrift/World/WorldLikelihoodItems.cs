using ValueDrift.Errors;
using ValueDrift.Probes;
using ValueDrift.Text;

namespace ValueDrift.World;

/// <summary>
/// The <see cref="LikelihoodProbe"/>'s items for the world's questions: reference answers of each stance from the
/// world's held-out answer templates (<see cref="WorldHeldOut.Answer"/>, which no training set uses), seeded per
/// question id so one question gets the same references in every probe set.
/// </summary>
public static class WorldLikelihoodItems
{
    /// <summary>Default reference answers per stance drawn from the world.</summary>
    public const int DefaultAnswersPerStance = 3;

    /// <summary>
    /// A likelihood probe over the world's probe questions (all topics, or the given topic ids) with
    /// <paramref name="answersPerStance"/> reference answers of each stance.
    /// </summary>
    public static LikelihoodProbe Probe(ITokenizer tokenizer, ChatTemplate template, IEnumerable<string>? topics = null,
        int answersPerStance = DefaultAnswersPerStance, int seed = 0, int batchSize = 16) =>
        new(For(WorldProbeQuestions.ForIds(topics).Select(p => new ProbeQuestion(p.Id, p.Topic, p.Question)), answersPerStance, seed),
            tokenizer, template, batchSize);

    /// <summary>
    /// Likelihood items for given questions on world topics, with world reference answers. A topic outside the world
    /// raises <see cref="ConfigException"/>.
    /// </summary>
    /// <remarks>With <see cref="WorldProbeSplit.Training"/> the references come from the training answer generator instead.</remarks>
    public static IReadOnlyList<LikelihoodItem> For(IEnumerable<ProbeQuestion> questions, int answersPerStance = DefaultAnswersPerStance, int seed = 0,
        WorldProbeSplit split = WorldProbeSplit.HeldOut)
    {
        if (answersPerStance <= 0) throw new ConfigException("likelihood probe", "answers_per_stance", $"must be > 0 (got {answersPerStance})");
        var items = new List<LikelihoodItem>();
        foreach (var q in questions)
        {
            var topic = WorldTopics.Find(q.Topic, "likelihood probe", "topic");
            var rng = WorldRandom.For(seed, "likelihood-probe/" + q.Id);
            var answers = new Dictionary<Stance, IReadOnlyList<string>>();
            foreach (var s in StanceLabels.All)
            {
                // Distinct where the templates allow: a repeated reference would only weigh one phrasing twice.
                var set = new List<string>();
                for (var attempt = 0; set.Count < answersPerStance && attempt < 20 * answersPerStance; attempt++)
                {
                    var a = split == WorldProbeSplit.Training
                        ? WorldAnswers.Generate(topic, (WorldStance)(int)s, AnswerQuality.Good, rng)   // as the SFT sets' answers
                        : WorldHeldOut.Answer(topic, (WorldStance)(int)s, rng);   // held out: no training set has it
                    if (!set.Contains(a)) set.Add(a);
                }
                answers[s] = set;
            }
            items.Add(new LikelihoodItem(q.Id, q.Topic, q.Question, answers));
        }
        return items;
    }
}
