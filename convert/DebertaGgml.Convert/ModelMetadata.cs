using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>Writes the general.* and deberta-v2.* keys of docs/gguf.md from a config.</summary>
internal static class ModelMetadata
{
    public static void Write(GgufWriter w, DebertaConfig c, DebertaHead head, string architecture, string name, GgmlType fileType)
    {
        w.Set(GgufKeys.Architecture, GgufValue.Of(GgufKeys.ArchitectureName));
        w.Set(GgufKeys.Name, GgufValue.Of(name));
        w.Set(GgufKeys.FileType, GgufValue.Of(GgufKeys.FileTypeOf(fileType)));
        w.Set(GgufKeys.QuantizationVersion, GgufValue.Of(2u));

        w.Set(GgufKeys.ContextLength, GgufValue.Of((uint)c.MaxPositionEmbeddings));
        w.Set(GgufKeys.EmbeddingLength, GgufValue.Of((uint)c.HiddenSize));
        w.Set(GgufKeys.BlockCount, GgufValue.Of((uint)c.NumHiddenLayers));
        w.Set(GgufKeys.FeedForwardLength, GgufValue.Of((uint)c.IntermediateSize));
        w.Set(GgufKeys.HeadCount, GgufValue.Of((uint)c.NumAttentionHeads));
        w.Set(GgufKeys.LayerNormEpsilon, GgufValue.Of(c.LayerNormEps));
        w.Set(GgufKeys.Causal, GgufValue.Of(false));
        w.Set(GgufKeys.PoolingType, GgufValue.Of(DebertaHeads.UsesPooler(head) ? 2u : 0u));
        if (head is DebertaHead.SequenceClassification or DebertaHead.TokenClassification)
            w.Set(GgufKeys.OutputLabels, GgufValue.Of(c.Labels.ToArray()));
        w.Set(GgufKeys.Head, GgufValue.Of(DebertaHeads.GgufName(head)));
        w.Set(GgufKeys.HfArchitecture, GgufValue.Of(architecture));
        w.Set(GgufKeys.ProblemType, GgufValue.Of(c.ProblemType));
        w.Set(GgufKeys.VocabSize, GgufValue.Of((uint)c.VocabSize));
        w.Set(GgufKeys.EmbeddingSize, GgufValue.Of((uint)c.EmbeddingSize));
        w.Set(GgufKeys.TypeVocabSize, GgufValue.Of((uint)c.TypeVocabSize));
        w.Set(GgufKeys.HiddenAct, GgufValue.Of(c.HiddenAct));
        w.Set(GgufKeys.RelativeAttention, GgufValue.Of(c.RelativeAttention));
        w.Set(GgufKeys.MaxRelativePositions, GgufValue.Of(c.MaxRelativePositions));
        w.Set(GgufKeys.PositionBuckets, GgufValue.Of(c.PositionBuckets));
        w.Set(GgufKeys.PosAttType, GgufValue.Of(c.PosAttType.ToArray()));
        w.Set(GgufKeys.ShareAttKey, GgufValue.Of(c.ShareAttKey));
        w.Set(GgufKeys.NormRelEbd, GgufValue.Of(c.NormRelEbd));
        w.Set(GgufKeys.PositionBiasedInput, GgufValue.Of(c.PositionBiasedInput));
        w.Set(GgufKeys.ConvKernelSize, GgufValue.Of((uint)c.ConvKernelSize));
        w.Set(GgufKeys.ConvGroups, GgufValue.Of((uint)c.ConvGroups));
        w.Set(GgufKeys.ConvAct, GgufValue.Of(c.ConvAct));
        w.Set(GgufKeys.PoolerHiddenSize, GgufValue.Of((uint)c.PoolerHiddenSize));
        w.Set(GgufKeys.PoolerHiddenAct, GgufValue.Of(c.PoolerHiddenAct));
        w.Set(GgufKeys.PadTokenId, GgufValue.Of((uint)c.PadTokenId));
    }
}
