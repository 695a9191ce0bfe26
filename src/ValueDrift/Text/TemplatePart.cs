namespace ValueDrift.Text;

/// <summary>
/// One piece of a whole conversation rendered by a <see cref="ChatTemplate"/>. The pieces, concatenated, are the
/// template's rendering of the conversation; <see cref="IsAnswer"/> marks an assistant answer with its end-of-turn
/// marker (what a loss on assistant turns covers), <see cref="StartsTurn"/> a piece that begins a user or system turn
/// (where truncation may cut without splitting a turn).
/// </summary>
public sealed record TemplatePart(string Text, bool IsAnswer, bool StartsTurn = false);
