using static TorchSharp.torch;

namespace ValueDrift.Models;

/// <summary>
/// Keys and values of every layer for the tokens seen so far, so that generation feeds one new token per step
/// instead of the whole sequence. Each layer's history is (B, kv_heads, T_past, head_dim).
/// <para>With a <c>capacity</c> (the longest sequence generation will reach), each layer's buffers are allocated once
/// as (B, kv_heads, capacity, head_dim) and every step writes its keys and values in place: no per-token copy of the
/// whole history, as concatenating would make (O(T²) bytes copied over a generation). Without one, the history grows
/// by concatenation (any length). The cache owns its tensors: they are detached from any dispose scope and freed when
/// replaced or when the cache is disposed.</para>
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys, _values;
    private readonly long[] _lengths;
    private readonly long _capacity;

    /// <param name="layers">Decoder layers.</param>
    /// <param name="capacity">Positions to preallocate (prompt + new tokens); 0 = grow by concatenation.</param>
    public KvCache(int layers, long capacity = 0)
    {
        if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity), "must be ≥ 0");
        _keys = new Tensor?[layers]; _values = new Tensor?[layers]; _lengths = new long[layers]; _capacity = capacity;
    }

    /// <summary>Number of positions already cached.</summary>
    public long Length => _lengths[0];

    /// <summary>Appends this step's keys and values (B, kv_heads, T, head_dim) for <paramref name="layer"/> and returns the full history.</summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor k, Tensor v)
    {
        long past = _lengths[layer], T = k.shape[2], total = past + T;
        if (_capacity == 0)
        {
            var oldK = _keys[layer]; var oldV = _values[layer];
            var newK = oldK is null ? k.alias() : cat([oldK, k], 2);
            var newV = oldV is null ? v.alias() : cat([oldV, v], 2);
            newK.DetachFromDisposeScope(); newV.DetachFromDisposeScope();
            oldK?.Dispose(); oldV?.Dispose();
            _keys[layer] = newK; _values[layer] = newV;
            _lengths[layer] = total;
            return (newK, newV);
        }
        if (total > _capacity) throw new InvalidOperationException($"KV cache holds {_capacity} positions; {total} were asked for");
        if (_keys[layer] is null)
        {
            _keys[layer] = empty([k.shape[0], k.shape[1], _capacity, k.shape[3]], k.dtype, k.device).DetachFromDisposeScope();
            _values[layer] = empty([v.shape[0], v.shape[1], _capacity, v.shape[3]], v.dtype, v.device).DetachFromDisposeScope();
        }
        _keys[layer]!.narrow(2, past, T).copy_(k);
        _values[layer]!.narrow(2, past, T).copy_(v);
        _lengths[layer] = total;
        // Views of the filled part: (B, kv_heads, total, head_dim), owned by the caller's dispose scope, sharing the buffer.
        return (_keys[layer]!.narrow(2, 0, total), _values[layer]!.narrow(2, 0, total));
    }

    /// <summary>
    /// Keeps the given batch rows in the given order, a row as often as it is named: finished sequences leave the
    /// batch, and a prompt's prefill is copied to every sequence that shares the prompt.
    /// </summary>
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
        for (int i = 0; i < _keys.Length; i++) { _keys[i]?.Dispose(); _values[i]?.Dispose(); _keys[i] = _values[i] = null; _lengths[i] = 0; }
    }
}
