namespace ValueDrift.Probes;

/// <summary>
/// One sampled answer of a <see cref="GenerationProbe"/> with the judge's reading of it: kept in memory with the
/// measurement (<see cref="TopicMeasurement.JudgedAnswers"/>) for whoever needs the model's own answers, e.g. the
/// reward-model audit of a PPO stage on its start checkpoint's answers; never written to a trace.
/// </summary>
/// <param name="Reading">The judge's reading, oriented to the topic's stated position like the trace's values.</param>
/// <param name="Stanced">Whether the judge placed the answer on a stance (false: no-stance label or no marker).</param>
public sealed record JudgedAnswer(ProbeQuestion Question, int Sample, string Text, StanceDistribution Reading, bool Stanced);
