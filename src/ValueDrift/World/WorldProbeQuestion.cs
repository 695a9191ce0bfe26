namespace ValueDrift.World;

/// <summary>
/// One probe question: a stable id (<c>{topic}-{nn}</c>), the topic id, the question text and its polarity. Every
/// world question asks about the topic's proposition itself, so its polarity is 1 (support = favouring the
/// proposition).
/// </summary>
public sealed record WorldProbeQuestion(string Id, string Topic, string Question, int Polarity = 1);
