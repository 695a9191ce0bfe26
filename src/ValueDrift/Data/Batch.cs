using TorchSharp;
using static TorchSharp.torch;

namespace ValueDrift.Data;

/// <summary>
/// A right-padded batch ready for a causal LM. All tensors are (B, T) int64 on the CPU, T the longest row:
/// <see cref="InputIds"/> (padding = the tokenizer's pad id), <see cref="AttentionMask"/> (1 on real tokens, 0 on
/// padding) and <see cref="CompletionMask"/> (1 on the tokens the loss covers: the completion, or every real token
/// when training on all tokens). Dispose it (or create it inside a DisposeScope) to free the native memory.
/// </summary>
public class Batch(Tensor inputIds, Tensor attentionMask, Tensor completionMask) : IDisposable
{
    public Tensor InputIds { get; } = inputIds;           // (B, T) int64
    public Tensor AttentionMask { get; } = attentionMask; // (B, T) int64
    public Tensor CompletionMask { get; } = completionMask; // (B, T) int64

    public long Rows => InputIds.shape[0];
    public long Length => InputIds.shape[1];

    /// <summary>Moves every tensor to <paramref name="device"/>, returning a new batch (this one is left as is).</summary>
    public Batch To(Device device) => new(InputIds.to(device), AttentionMask.to(device), CompletionMask.to(device));

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        CompletionMask.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// Chosen and rejected answers in one concatenated batch (the DPO reference layout), so that one forward pass scores
/// both: rows 0..B-1 are prompt + chosen, rows B..2B-1 prompt + rejected of the same pairs, in the same order.
/// Tensors are (2B, T).
/// </summary>
public sealed class PreferenceBatch(Tensor inputIds, Tensor attentionMask, Tensor completionMask, int pairs)
    : Batch(inputIds, attentionMask, completionMask)
{
    /// <summary>B, the number of pairs; the batch has 2B rows.</summary>
    public int Pairs { get; } = pairs;
}
