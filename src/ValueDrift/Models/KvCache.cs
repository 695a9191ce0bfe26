using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, so that generation feeds one new token per step
/// instead of the whole sequence. Tensors are (B, kv_heads, T_past, head_dim). The cache owns its tensors: they are
/// detached from any dispose scope and freed when replaced or when the cache is disposed.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys, _values;

    public KvCache(int layers) { _keys = new Tensor?[layers]; _values = new Tensor?[layers]; }

    /// <summary>Number of positions already cached.</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys and values for <paramref name="layer"/> and returns the full history.</summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor k, Tensor v)
    {
        var oldK = _keys[layer]; var oldV = _values[layer];
        var newK = oldK is null ? k.alias() : cat([oldK, k], 2);
        var newV = oldV is null ? v.alias() : cat([oldV, v], 2);
        newK.DetachFromDisposeScope(); newV.DetachFromDisposeScope();
        oldK?.Dispose(); oldV?.Dispose();
        _keys[layer] = newK; _values[layer] = newV;
        return (newK, newV);
    }

    /// <summary>Keeps only the given batch rows (used when finished sequences leave the batch).</summary>
    public void Select(Tensor rowIndex)
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] is null) continue;
            var k = _keys[i]!.index_select(0, rowIndex); var v = _values[i]!.index_select(0, rowIndex);
            k.DetachFromDisposeScope(); v.DetachFromDisposeScope();
            _keys[i]!.Dispose(); _values[i]!.Dispose();
            _keys[i] = k; _values[i] = v;
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < _keys.Length; i++) { _keys[i]?.Dispose(); _values[i]?.Dispose(); _keys[i] = _values[i] = null; }
    }
}
