namespace ValueDrift.Interactive;

/// <summary>How notebook outputs are drawn; read each time a value is formatted, so a cell may change them.</summary>
public sealed record NotebookOptions
{
    /// <summary>
    /// Every chart output carries plotly.js (≈4.8 MB each) instead of relying on the copy sent once by
    /// <see cref="Notebook.Setup"/>. For exporting single cells; off by default to keep notebooks small.
    /// </summary>
    public bool StandaloneCharts { get; init; }

    /// <summary>Rows of a drift table shown.</summary>
    public int MaxTableRows { get; init; } = 60;

    /// <summary>Rows and columns of a Deedle frame shown.</summary>
    public int MaxFrameRows { get; init; } = 20;
    public int MaxFrameColumns { get; init; } = 20;

    /// <summary>
    /// The y axis of every stage cell's Δp chart runs ±this (generation and likelihood probe alike), so SFT's bars and
    /// DPO's, or the two probes', compare by eye; 1 holds any change of a probability. Null scales each chart to its own bars.
    /// </summary>
    public double? ChangeScale { get; init; } = 1.0;

    /// <summary>Topics of a trajectory drawn (one chart each).</summary>
    public int MaxTopicCharts { get; init; } = 4;

    /// <summary>CPU threads for TorchSharp; null keeps LibTorch's default (one per core).</summary>
    public int? Threads { get; init; }
}
