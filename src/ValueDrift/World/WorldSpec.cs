using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ValueDrift.World;

/// <summary>
/// Identity and limits of the synthetic value world. <see cref="Version"/> names the generated content: it is
/// <c>{GeneratorRevision}.{hash}</c>, where the hash covers every template string (topics, reasons, questions,
/// openers, closers, markers, instruction words), so editing any text changes it automatically, and
/// <see cref="GeneratorRevision"/> is bumped by hand whenever the generation code changes what it draws.
/// <para>The world has two splits: training text (training frames and phrasings, <see cref="WorldAnswers"/>'
/// templates and each topic's reasons), which every training set draws from, and probe text
/// (<see cref="WorldQuestions.ProbeFrames"/>, each topic's hand-written probe questions, and <see cref="WorldHeldOut"/>:
/// held-out phrasings, openers, closers and reasons), from which probe questions and likelihood reference answers
/// are drawn. No probe question or reference answer appears in any training set.</para>
/// </summary>
public static class WorldSpec
{
    /// <summary>Bump when generation logic changes (template edits are caught by the hash).</summary>
    public const int GeneratorRevision = 2;

    /// <summary>Longest question, in characters (ASCII, so also bytes).</summary>
    public const int MaxQuestionChars = 70;

    /// <summary>Longest answer, in characters.</summary>
    public const int MaxAnswerChars = 80;

    /// <summary>Longest pretraining line or prompt+answer pair, in UTF-8 bytes (the base model's context is ~160 bytes).</summary>
    public const int MaxLineBytes = 160;

    /// <summary>Version of the world with all its topics, e.g. <c>1.3fa2c901</c>.</summary>
    public static string Version { get; } = ComputeVersion(WorldTopics.All);

    /// <summary>The version string that a world with these topics (and the shared templates) would have.</summary>
    public static string ComputeVersion(IEnumerable<WorldTopic> topics)
    {
        var sb = new StringBuilder();
        void Add(IEnumerable<string> parts) { foreach (var p in parts) sb.Append(p).Append('\u001f'); sb.Append('\u001e'); }

        Add([GeneratorRevision.ToString(CultureInfo.InvariantCulture), WorldStanceLookup.Smoothing.ToString("R", CultureInfo.InvariantCulture)]);
        foreach (var t in topics)
        {
            Add([t.Id, t.Name, t.Subject]);
            Add(t.Phrasings); Add(t.ExtraTrainingQuestions); Add(t.ExtraProbeQuestions);
            Add(t.SupportReasons); Add(t.NeutralReasons); Add(t.OpposeReasons);
            if (WorldHeldOut.Topics.TryGetValue(t.Id, out var held))
            {
                Add(held.ProbePhrasings); Add(held.SupportReasons); Add(held.NeutralReasons); Add(held.OpposeReasons);
            }
        }
        Add(WorldQuestions.TrainingFrames); Add(WorldQuestions.ProbeFrames);
        foreach (var s in Enum.GetValues<WorldStance>())
        {
            Add(WorldAnswers.Openers[s]); Add(WorldAnswers.Closers[s]); Add(WorldStanceLookup.Markers[s]);
            Add(WorldHeldOut.Openers[s]); Add(WorldHeldOut.Closers[s]);
        }
        Add(WorldAnswers.RamblingFillers); Add(WorldAnswers.RamblingMiddles); Add(InstructionTasks.Words);

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return $"{GeneratorRevision}.{Convert.ToHexStringLower(hash)[..8]}";
    }
}
