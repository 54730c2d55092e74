using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>
/// Chooses each tensor's storage type: vectors stay F32, embeddings and heads may be kept at a higher precision
/// (a BF16 file's head is by default), and a type whose block does not divide the row length falls back the way
/// llama.cpp does.
/// </summary>
public static class TypePolicy
{
    /// <summary>
    /// The type of tensor <paramref name="tensor"/>, stored in the source as <paramref name="source"/>; when its rows do not
    /// fit the wanted type, the fallback is added to <paramref name="fallbacks"/>.
    /// </summary>
    public static GgmlType Choose(string tensor, TensorRole role, long rowLength, GgmlType source, ConvertOptions options,
                                  ICollection<TypeFallback> fallbacks)
    {
        var wanted = role switch
        {
            TensorRole.Vector => GgmlType.F32,
            TensorRole.Embedding => options.EmbeddingType ?? options.Type,
            TensorRole.Head => options.HeadType ?? DefaultHeadType(options.Type, source),
            _ => options.Type,
        };
        var chosen = FitRow(wanted, rowLength);
        if (chosen != wanted)
            fallbacks.Add(new TypeFallback(tensor, wanted, chosen,
                $"its rows of {rowLength} are not a multiple of the {GgmlTypes.Name(wanted)} block of {GgmlTypes.BlockSize(wanted)}"));
        return chosen;
    }

    /// <summary>
    /// BF16 keeps 8 significant bits, and the head's rounding lands in the logits unmixed: a BF16 file keeps its head at
    /// the source's finer float type (F32 or F16), about 0.3 % of a base model's bytes, which takes base's max
    /// |Δlogit| against F32 from 1.2e-2 to 0.8e-2 (docs/BENCHMARKS.md, finding 30). Other types keep the head at their own.
    /// </summary>
    public static GgmlType DefaultHeadType(GgmlType type, GgmlType source) =>
        type == GgmlType.BF16 && source is GgmlType.F32 or GgmlType.F16 ? source : type;

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
