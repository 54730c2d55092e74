using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>
/// Chooses each tensor's storage type: vectors stay F32, embeddings and heads may be kept at a higher precision,
/// and a type whose block does not divide the row length falls back the way llama.cpp does.
/// </summary>
public static class TypePolicy
{
    /// <summary>The storage type of a tensor: the requested one for matrices whose rows fit its blocks, else F32/F16.</summary>
    public static GgmlType Choose(TensorRole role, long rowLength, ConvertOptions options)
    {
        var wanted = role switch
        {
            TensorRole.Vector => GgmlType.F32,
            TensorRole.Embedding => options.EmbeddingType ?? options.Type,
            TensorRole.Head => options.HeadType ?? options.Type,
            _ => options.Type,
        };
        return FitRow(wanted, rowLength);
    }

    /// <summary>The first type in <paramref name="type"/>'s fallback chain whose block size divides the row length.</summary>
    public static GgmlType FitRow(GgmlType type, long rowLength)
    {
        while (rowLength % GgmlTypes.BlockSize(type) != 0) type = Fallback(type);
        return type;
    }

    private static GgmlType Fallback(GgmlType type) => type switch
    {
        GgmlType.Q4_K => GgmlType.Q5_0,
        GgmlType.Q5_K => GgmlType.Q5_1,
        GgmlType.Q6_K => GgmlType.Q8_0,
        _ => GgmlType.F16,
    };
}
