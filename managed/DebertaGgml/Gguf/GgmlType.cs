namespace DebertaGgml.Gguf;

/// <summary>Tensor storage types this project writes and reads; values are ggml's own type ids.</summary>
public enum GgmlType : uint
{
    /// <summary>32-bit float.</summary>
    F32 = 0,
    /// <summary>IEEE half.</summary>
    F16 = 1,
    /// <summary>4-bit blocks of 32 with a scale.</summary>
    Q4_0 = 2,
    /// <summary>4-bit blocks of 32 with a scale and a minimum.</summary>
    Q4_1 = 3,
    /// <summary>5-bit blocks of 32 with a scale.</summary>
    Q5_0 = 6,
    /// <summary>5-bit blocks of 32 with a scale and a minimum.</summary>
    Q5_1 = 7,
    /// <summary>8-bit blocks of 32 with a scale.</summary>
    Q8_0 = 8,
    /// <summary>4-bit k-quant superblocks of 256.</summary>
    Q4_K = 12,
    /// <summary>5-bit k-quant superblocks of 256.</summary>
    Q5_K = 13,
    /// <summary>6-bit k-quant superblocks of 256.</summary>
    Q6_K = 14,
    /// <summary>bfloat16.</summary>
    BF16 = 30,
}

/// <summary>Block layout of each <see cref="GgmlType"/>, so sizes are known without the native library.</summary>
public static class GgmlTypes
{
    private static readonly Dictionary<GgmlType, (int BlockSize, int BlockBytes)> Layouts = new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.Q4_0] = (32, 18),
        [GgmlType.Q4_1] = (32, 20),
        [GgmlType.Q5_0] = (32, 22),
        [GgmlType.Q5_1] = (32, 24),
        [GgmlType.Q8_0] = (32, 34),
        [GgmlType.Q4_K] = (256, 144),
        [GgmlType.Q5_K] = (256, 176),
        [GgmlType.Q6_K] = (256, 210),
    };

    /// <summary>Whether the type is one of <see cref="GgmlType"/>'s values.</summary>
    public static bool IsKnown(GgmlType type) => Layouts.ContainsKey(type);

    /// <summary>Whether elements are stored in blocks of more than one.</summary>
    public static bool IsQuantized(GgmlType type) => BlockSize(type) > 1;

    /// <summary>Elements per block (1 for F32, F16, BF16).</summary>
    public static int BlockSize(GgmlType type) => Layout(type).BlockSize;

    /// <summary>Bytes of one row of <paramref name="rowLength"/> elements; the length must be a whole number of blocks.</summary>
    public static long RowBytes(GgmlType type, long rowLength)
    {
        var (blockSize, blockBytes) = Layout(type);
        if (rowLength % blockSize != 0)
            throw new ArgumentException($"a row of {rowLength} elements is not a multiple of the {Name(type)} block size {blockSize}");
        return rowLength / blockSize * blockBytes;
    }

    /// <summary>Bytes of a tensor with ggml dimensions <paramref name="ne"/> (innermost first).</summary>
    public static long TensorBytes(GgmlType type, IReadOnlyList<long> ne)
    {
        long rows = 1;
        for (int i = 1; i < ne.Count; i++) rows *= ne[i];
        return RowBytes(type, ne.Count == 0 ? 1 : ne[0]) * rows;
    }

    /// <summary>Lower-case name as ggml prints it ("q8_0").</summary>
    public static string Name(GgmlType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses a name as <see cref="Name"/> prints it, any case.</summary>
    public static bool TryParse(string name, out GgmlType type)
    {
        foreach (var known in Layouts.Keys)
        {
            if (string.Equals(Name(known), name, StringComparison.OrdinalIgnoreCase))
            {
                type = known;
                return true;
            }
        }
        type = default;
        return false;
    }

    private static (int BlockSize, int BlockBytes) Layout(GgmlType type) =>
        Layouts.TryGetValue(type, out var layout) ? layout : throw new NotSupportedException($"ggml type {(uint)type} is not supported");
}
