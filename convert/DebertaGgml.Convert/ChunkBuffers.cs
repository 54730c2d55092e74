namespace DebertaGgml.Convert;

/// <summary>
/// Work buffers for converting a tensor chunk by chunk, reused across tensors so a conversion allocates them once
/// (they grow only when a single row is larger than a chunk).
/// </summary>
internal sealed class ChunkBuffers
{
    /// <summary>Elements converted per step (16 MB of float32): large enough for ggml's parallel quantize chunks.</summary>
    public const long Elements = 4 << 20;

    private float[] _values = [];
    private float[] _nextValues = [];
    private byte[] _encoded = [];
    private byte[] _raw = [];

    /// <summary>Two float buffers (one being read while the other is encoded) and one for the encoded bytes.</summary>
    public (float[] Values, float[] NextValues, byte[] Encoded) Get(long valueCount, long encodedBytes)
    {
        if (_values.Length < valueCount) _values = new float[valueCount];
        if (_nextValues.Length < valueCount) _nextValues = new float[valueCount];
        if (_encoded.Length < encodedBytes) _encoded = new byte[encodedBytes];
        return (_values, _nextValues, _encoded);
    }

    /// <summary>A buffer for stored (source) bytes, used when re-encoding a GGUF.</summary>
    public byte[] Raw(long bytes)
    {
        if (_raw.Length < bytes) _raw = new byte[bytes];
        return _raw;
    }
}
