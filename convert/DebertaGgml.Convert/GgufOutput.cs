using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>The last step of converting and requantizing: header and tensors streamed into one atomically written file.</summary>
internal static class GgufOutput
{
    /// <summary>
    /// Writes the header, then each planned tensor through <paramref name="writeTensor"/> in declaration order,
    /// reporting progress after each; returns how many tensors each type got.
    /// </summary>
    public static Dictionary<GgmlType, int> Write<TSource>(string outPath, GgufWriter writer,
        IReadOnlyList<(TSource Source, GgufTensorInfo Target)> planned, Action<TSource, GgufTensorInfo, ChunkBuffers> writeTensor,
        IProgress<ConvertProgress>? progress)
    {
        AtomicFile.Write(outPath, stream =>
        {
            writer.WriteHeader(stream);
            var buffers = new ChunkBuffers();
            for (int i = 0; i < planned.Count; i++)
            {
                var (source, target) = planned[i];
                writeTensor(source, target, buffers);
                progress?.Report(new ConvertProgress(i + 1, planned.Count, target.Name));
            }
            writer.Complete();
        });
        return planned.GroupBy(p => p.Target.Type).ToDictionary(g => g.Key, g => g.Count());
    }
}
