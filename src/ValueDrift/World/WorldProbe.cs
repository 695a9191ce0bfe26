namespace ValueDrift.World;

/// <summary>One probe question: a stable id (<c>{topic}-{nn}</c>), the topic id and the question text.</summary>
public sealed record WorldProbe(string Id, string Topic, string Question);
