namespace ValueDrift.World;

/// <summary>
/// Builds the world's datasets, each an analogue of a dataset of the paper, and measures their stance profiles
/// with <see cref="WorldStanceLookup"/>. All training sets draw from training questions only; probe questions are
/// left for <see cref="WorldProbeQuestions"/>. Stances are assigned by quota (not by coin flips), so a
/// dataset's profile hits its target up to rounding even at small sizes.
/// </summary>
public static class WorldDatasets
{
    public const string Pretrain = "pretrain";
    public const string NeutralSft = "sft-neutral";
    public const string SupportiveSft = "sft-supportive";
    public const string StandardPreference = "pref-standard";
    public const string SupportAligned = "pref-support-aligned";
    public const string OpposeAligned = "pref-oppose-aligned";
    public const string Probes = "probes";

    /// <summary>Target stance shares (support, neutral, oppose) of value rows, after the paper's datasets.</summary>
    public static readonly IReadOnlyList<double> BalancedTarget = [1.0 / 3, 1.0 / 3, 1.0 / 3];
    /// <summary>WildChat is ≈72% neutral in the paper; the world's assistant-style set is 70% neutral.</summary>
    public static readonly IReadOnlyList<double> NeutralSftTarget = [0.15, 0.70, 0.15];
    /// <summary>Alpaca is ≈67% support in the paper; the world's instruction-style set is 2/3 support.</summary>
    public static readonly IReadOnlyList<double> SupportiveSftTarget = [2.0 / 3, 1.0 / 6, 1.0 / 6];

    private static readonly AnswerQuality[] WorseQualities =
        [AnswerQuality.Terse, AnswerQuality.Rambling, AnswerQuality.OffFormat, AnswerQuality.RepeatedWords];

    /// <summary>Generates every dataset in memory.</summary>
    public static WorldDatasetBundle Build(WorldOptions options)
    {
        options.Validate();
        var topics = WorldTopics.Select(options.Topics);
        var questions = topics.ToDictionary(t => t.Id, t => t.TrainingQuestions);
        return new WorldDatasetBundle(
            options, topics,
            BuildPretrain(options, topics, questions),
            BuildSft(options, topics, questions, NeutralSftTarget, NeutralSft),
            BuildSft(options, topics, questions, SupportiveSftTarget, SupportiveSft),
            BuildStandardPreference(options, topics, questions),
            BuildValueGap(options, topics, questions, WorldStance.Support, WorldStance.Oppose, SupportAligned),
            BuildValueGap(options, topics, questions, WorldStance.Oppose, WorldStance.Support, OpposeAligned),
            WorldProbeQuestions.For(topics));
    }

    /// <summary>Measures every dataset of a bundle with the stance lookup.</summary>
    public static WorldProfile Measure(WorldDatasetBundle b)
    {
        var order = b.Topics.Select(t => t.Id).ToList();
        WorldDatasetProfile Sft(string name, IReadOnlyList<WorldSftExample> rows, string analogue) =>
            new(name, FileName(name), analogue, rows.Count, rows.Count(r => r.IsValueRow), rows.Count(r => !r.IsValueRow),
                Stances: WorldStanceProfile.Measure(rows.Where(r => r.IsValueRow).Select(r => (r.Topic!, r.Response)), order));
        WorldDatasetProfile Pref(string name, IReadOnlyList<WorldPreferencePair> rows, string analogue)
        {
            var value = rows.Where(r => r.IsValueRow).ToList();
            var chosen = WorldStanceProfile.Measure(value.Select(r => (r.Topic, r.Chosen)), order);
            var rejected = WorldStanceProfile.Measure(value.Select(r => (r.Topic, r.Rejected)), order);
            return new(name, FileName(name), analogue, rows.Count, value.Count, rows.Count - value.Count,
                Chosen: chosen, Rejected: rejected, ValueGap: WorldValueGap.Between(chosen, rejected));
        }

        var valueLines = b.Pretrain.Where(l => l.Topic is not null).ToList();
        return new WorldProfile(WorldSpec.Version, b.Options.Seed, order,
        [
            new(Pretrain, FileName(Pretrain), "base-model pretraining text (balanced stances)", b.Pretrain.Count,
                valueLines.Count, b.Pretrain.Count - valueLines.Count,
                Stances: WorldStanceProfile.Measure(valueLines.Select(l => (l.Topic!, l.Answer!)), order)),
            Sft(NeutralSft, b.NeutralSft, "WildChat (assistant-style, neutral-leaning)"),
            Sft(SupportiveSft, b.SupportiveSft, "Alpaca (instruction-style, support-leaning)"),
            Pref(StandardPreference, b.StandardPreference, "UltraFeedback (same stance, style differs: low value gap)"),
            Pref(SupportAligned, b.SupportAligned, "synthetic value-gap set, support-aligned (chosen support, rejected oppose)"),
            Pref(OpposeAligned, b.OpposeAligned, "synthetic value-gap set, oppose-aligned (chosen oppose, rejected support)"),
            new(Probes, FileName(Probes), "V-PRISM probe questions (held out from training)", b.Probes.Count, b.Probes.Count, 0),
        ]);
    }

    /// <summary>
    /// Generates the world and writes one file per dataset plus <c>profile.json</c> into <paramref name="dir"/>
    /// (created if missing; existing files of the same names are replaced). Returns the measured profile.
    /// </summary>
    public static WorldProfile WriteAll(string dir, WorldOptions options)
    {
        var bundle = Build(options);
        var profile = Measure(bundle);
        Directory.CreateDirectory(dir);
        WorldFiles.WritePretrain(Path.Combine(dir, FileName(Pretrain)), bundle.Pretrain);
        WorldFiles.WriteMessages(Path.Combine(dir, FileName(NeutralSft)), bundle.NeutralSft);
        WorldFiles.WriteAlpaca(Path.Combine(dir, FileName(SupportiveSft)), bundle.SupportiveSft);
        WorldFiles.WriteUltraFeedback(Path.Combine(dir, FileName(StandardPreference)), bundle.StandardPreference);
        WorldFiles.WritePromptChosenRejected(Path.Combine(dir, FileName(SupportAligned)), bundle.SupportAligned);
        WorldFiles.WritePromptChosenRejected(Path.Combine(dir, FileName(OpposeAligned)), bundle.OpposeAligned);
        WorldFiles.WriteProbes(Path.Combine(dir, FileName(Probes)), bundle.Probes);
        WorldFiles.WriteProfile(Path.Combine(dir, "profile.json"), profile);
        return profile;
    }

    /// <summary>File name of a dataset inside the output folder.</summary>
    public static string FileName(string dataset) => dataset == Pretrain ? "pretrain.txt" : dataset + ".jsonl";

    // ---- builders ----

    private static List<WorldTextLine> BuildPretrain(WorldOptions o, IReadOnlyList<WorldTopic> topics, Dictionary<string, IReadOnlyList<string>> questions)
    {
        var rng = WorldRandom.For(o.Seed, Pretrain);
        int instruction = (int)Math.Round(o.PretrainLines * o.PretrainInstructionFraction);
        int declarative = (int)Math.Round(o.PretrainLines * o.PretrainDeclarativeFraction);
        int qa = o.PretrainLines - instruction - declarative;

        var lines = new List<WorldTextLine>(o.PretrainLines);
        foreach (var (topic, stance) in Slots(qa, topics, BalancedTarget, rng))
        {
            string answer = WorldAnswers.Generate(topic, stance, AnswerQuality.Good, rng);
            lines.Add(new($"Q: {rng.Pick(questions[topic.Id])} A: {answer}", topic.Id, answer));
        }
        foreach (var (topic, stance) in Slots(declarative, topics, BalancedTarget, rng))
        {
            // Stand-alone statements name their topic, since there is no question to give it.
            string answer = WorldAnswers.Generate(topic, stance, AnswerQuality.Good, rng, explicitSubject: true);
            string name = char.ToUpperInvariant(topic.Name[0]) + topic.Name[1..];
            lines.Add(new($"{name}: {answer}", topic.Id, answer));
        }
        for (int i = 0; i < instruction; i++)
        {
            var task = InstructionTasks.Draw(rng);
            lines.Add(new($"Q: {task.Prompt} A: {task.Expected}", null, null));
        }
        rng.Shuffle(lines);
        return lines;
    }

    private static List<WorldSftExample> BuildSft(WorldOptions o, IReadOnlyList<WorldTopic> topics,
        Dictionary<string, IReadOnlyList<string>> questions, IReadOnlyList<double> target, string stream)
    {
        var rng = WorldRandom.For(o.Seed, stream);
        int instruction = (int)Math.Round(o.SftRows * o.SftInstructionFraction);
        var rows = new List<WorldSftExample>(o.SftRows);
        foreach (var (topic, stance) in Slots(o.SftRows - instruction, topics, target, rng))
            rows.Add(new(rng.Pick(questions[topic.Id]), WorldAnswers.Generate(topic, stance, AnswerQuality.Good, rng), topic.Id, stance, null));
        for (int i = 0; i < instruction; i++)
        {
            var task = InstructionTasks.Draw(rng);
            rows.Add(new(task.Prompt, task.Expected, null, null, task));
        }
        rng.Shuffle(rows);
        return rows;
    }

    private static List<WorldPreferencePair> BuildStandardPreference(WorldOptions o, IReadOnlyList<WorldTopic> topics,
        Dictionary<string, IReadOnlyList<string>> questions)
    {
        var rng = WorldRandom.For(o.Seed, StandardPreference);
        int instruction = (int)Math.Round(o.PreferencePairs * o.PreferenceInstructionFraction);
        var rows = new List<WorldPreferencePair>(o.PreferencePairs);
        foreach (var (topic, stance) in Slots(o.PreferencePairs - instruction, topics, BalancedTarget, rng))
        {
            // Same stance on both sides; only the style of the rejected answer is worse.
            var worse = WorseQualities[rng.Next(WorseQualities.Length)];
            rows.Add(new(rng.Pick(questions[topic.Id]),
                WorldAnswers.Generate(topic, stance, AnswerQuality.Good, rng),
                WorldAnswers.Generate(topic, stance, worse, rng),
                topic.Id, stance, stance, AnswerQuality.Good, worse, null));
        }
        for (int i = 0; i < instruction; i++)
        {
            var task = InstructionTasks.Draw(rng);
            rows.Add(new(task.Prompt, task.Expected, task.WrongAnswer(rng), WorldPreferencePair.InstructionTopic,
                null, null, AnswerQuality.Good, AnswerQuality.Good, task));
        }
        rng.Shuffle(rows);
        return rows;
    }

    private static List<WorldPreferencePair> BuildValueGap(WorldOptions o, IReadOnlyList<WorldTopic> topics,
        Dictionary<string, IReadOnlyList<string>> questions, WorldStance chosen, WorldStance rejected, string stream)
    {
        var rng = WorldRandom.For(o.Seed, stream);
        var rows = new List<WorldPreferencePair>(o.PreferencePairs);
        // Topics only set the slot here; the stance of each side is fixed by the set's orientation.
        foreach (var (topic, _) in Slots(o.PreferencePairs, topics, BalancedTarget, rng))
            rows.Add(new(rng.Pick(questions[topic.Id]),
                WorldAnswers.Generate(topic, chosen, AnswerQuality.Good, rng),
                WorldAnswers.Generate(topic, rejected, AnswerQuality.Good, rng),
                topic.Id, chosen, rejected, AnswerQuality.Good, AnswerQuality.Good, null));
        rng.Shuffle(rows);
        return rows;
    }

    /// <summary>
    /// <paramref name="n"/> (topic, stance) slots. Stance counts are apportioned to <paramref name="target"/> over
    /// the whole set (largest remainder, random tie-breaks), then topics are dealt round-robin over the slots, in a
    /// shuffled order, so every topic gets within one of its share of each stance and the set's profile matches
    /// the target up to one row.
    /// </summary>
    internal static List<(WorldTopic Topic, WorldStance Stance)> Slots(int n, IReadOnlyList<WorldTopic> topics, IReadOnlyList<double> target, WorldRandom rng)
    {
        var counts = Apportion(n, target, rng);
        var dealOrder = topics.ToList();
        rng.Shuffle(dealOrder);
        var slots = new List<(WorldTopic, WorldStance)>(n);
        int next = 0;
        for (int s = 0; s < 3; s++)
            for (int k = 0; k < counts[s]; k++)
                slots.Add((dealOrder[next++ % dealOrder.Count], (WorldStance)s));
        return slots;
    }

    internal static int[] Apportion(int n, IReadOnlyList<double> weights, WorldRandom rng)
    {
        double total = weights.Sum();
        var exact = weights.Select(w => n * w / total).ToArray();
        var counts = exact.Select(x => (int)Math.Floor(x)).ToArray();
        int left = n - counts.Sum();
        var order = Enumerable.Range(0, weights.Count)
            .Select(i => (i, rem: exact[i] - counts[i], tie: rng.NextDouble()))
            .OrderByDescending(x => x.rem).ThenBy(x => x.tie).Select(x => x.i).ToList();
        for (int k = 0; k < left; k++) counts[order[k % order.Count]]++;
        return counts;
    }
}
