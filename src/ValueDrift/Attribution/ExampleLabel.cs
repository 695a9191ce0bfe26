namespace ValueDrift.Attribution;

/// <summary>What a dataset records of a training example: its topic and stance label (nulls for instruction rows).</summary>
public sealed record ExampleLabel(string? Topic, string? Stance);
