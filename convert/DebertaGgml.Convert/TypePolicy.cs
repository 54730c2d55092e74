using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>
/// Chooses each tensor's storage type: vectors stay F32, embeddings and heads may be kept at a higher precision,
/// and a type whose block does not divide the row length falls back the way llama.cpp does.
/// </summary>
public static class TypePolicy
{
    /// <summary>The type of tensor <paramref name="tensor"/>; when its rows do not fit the wanted type, the fallback is added to <paramref name="fallbacks"/>.</summary>
    public static GgmlType Choose(string tensor, TensorRole role, long rowLength, ConvertOptions options, ICollection<TypeFallback> fallbacks)
    {
        var wanted = role switch
        {
            TensorRole.Vector => GgmlType.F32,
            TensorRole.Embedding => options.EmbeddingType ?? options.Type,
            TensorRole.Head => options.HeadType ?? options.Type,
            _ => options.Type,
        };
        var chosen = FitRow(wanted, rowLength);
        if (chosen != wanted)
            fallbacks.Add(new TypeFallback(tensor, wanted, chosen,
                $"its rows of {rowLength} are not a multiple of the {GgmlTypes.Name(wanted)} block of {GgmlTypes.BlockSize(wanted)}"));
        return chosen;
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
