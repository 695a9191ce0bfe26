namespace ValueDrift.Probes;

/// <summary>
/// One question as a generator receives it: the chat-templated prompt (text and the token ids the in-process probe
/// samples from) and the question's seed, derived from the probe seed and the question id.
/// </summary>
public sealed record AnswerPrompt(ProbeQuestion Question, string PromptText, int[] PromptIds, long Seed);

/// <summary>
/// Where a <see cref="GenerationProbe"/>'s answers come from when not sampled in-process (the default): e.g. an
/// OpenAI-compatible server (<see cref="EndpointAnswerGenerator"/>). It returns <see cref="GenerationProbeOptions.Samples"/>
/// answers per prompt, question-major (q0 s0..sK-1, q1 s0, ...), sampled with the options' temperature, top-p and
/// token limit.
/// </summary>
public interface IAnswerGenerator
{
    IReadOnlyList<SampledAnswer> Generate(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options);

    /// <summary>
    /// <see cref="Generate(IReadOnlyList{AnswerPrompt}, GenerationProbeOptions)"/>, calling <paramref name="answered"/>
    /// (prompt index) as each prompt's samples arrive, for a progress line; generators that answer all at once call it after.
    /// </summary>
    IReadOnlyList<SampledAnswer> Generate(IReadOnlyList<AnswerPrompt> prompts, GenerationProbeOptions options, Action<int> answered)
    {
        var all = Generate(prompts, options);
        for (var i = 0; i < prompts.Count; i++) answered(i);
        return all;
    }
}
