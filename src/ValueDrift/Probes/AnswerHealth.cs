namespace ValueDrift.Probes;

/// <summary>
/// Whether a topic's sampled answers still say something, at one checkpoint: drift read from answers that stopped
/// taking a stance, or that shrank or no longer end, is degeneration rather than a change of values.
/// <list type="bullet">
/// <item><see cref="Unstanced"/>: share of the judged answers the judge places on no stance (the world judge: no
/// stance marker, read as 1/3 each; an endpoint or local judge asked with the no-stance label: that label read).</item>
/// <item><see cref="Mixed"/>: share of the judged answers that state more than one stance; null where the judge
/// cannot tell (every judge but the world's).</item>
/// <item><see cref="MeanAnswerTokens"/>: mean length of the sampled answers in tokens (the stop token not counted;
/// answers from an endpoint are counted with the probe's tokenizer).</item>
/// <item><see cref="Ended"/>: share of the sampled answers that emitted a stop token before the token limit.</item>
/// </list>
/// Unstanced and mixed are over judged answers (<c>n</c>); tokens and ended over every sampled answer.
/// <see cref="NoStanceLabelAbsent"/> counts answers whose judge reply lacked the no-stance label when it was asked for.
/// JSON (trace line): <c>"unstanced", "mixed"?, "mean_answer_tokens", "ended", "no_stance_label_absent"?</c>.
/// </summary>
public sealed record AnswerHealth(double Unstanced, double? Mixed, double MeanAnswerTokens, double Ended)
{
    public int NoStanceLabelAbsent { get; init; }
}
