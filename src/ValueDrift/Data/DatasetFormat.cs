namespace ValueDrift.Data;

/// <summary>Row formats the readers accept (see docs/data-formats.md). <see cref="Auto"/> decides per row by the fields present.</summary>
public enum DatasetFormat
{
    Auto,
    /// <summary><c>instruction</c>, optional <c>input</c>, <c>output</c>.</summary>
    Alpaca,
    /// <summary><c>messages</c> (or WildChat's <c>conversation</c>) as <c>{role, content}</c>, or ShareGPT <c>conversations</c> as <c>{from, value}</c>.</summary>
    Messages,
    /// <summary><c>prompt</c>/<c>chosen</c>/<c>rejected</c> as strings or message lists, or <c>prompt_ids</c>/<c>chosen_ids</c>/<c>rejected_ids</c>.</summary>
    Preference,
}
