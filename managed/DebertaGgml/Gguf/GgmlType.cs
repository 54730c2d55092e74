namespace DebertaGgml.Gguf;

/// <summary>Tensor storage types this project writes and reads; values are ggml's own type ids.</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
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

    public static bool IsKnown(GgmlType type) => Layouts.ContainsKey(type);

    public static bool IsQuantized(GgmlType type) => BlockSize(type) > 1;

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
