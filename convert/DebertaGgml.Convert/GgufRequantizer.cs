using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>
/// Re-encodes the tensors of an F32/F16/BF16 GGUF to another type with the converter's policy, copying all
/// metadata (general.file_type updated). Tensors are streamed one at a time.
/// </summary>
public static class GgufRequantizer
{
    /// <summary>Rewrites a GGUF with its weight matrices in <see cref="ConvertOptions.Type"/>, metadata and tokenizer kept.</summary>
    public static ConvertResult Requantize(string inPath, string outPath, ConvertOptions options)
    {
        if (!File.Exists(inPath)) throw new ConvertException(inPath, "GGUF file does not exist");
        if (Path.GetFullPath(inPath) == Path.GetFullPath(outPath)) throw new ConvertException(outPath, "output must differ from the input");
        GgufFile input;
        try
        {
            input = GgufFile.Open(inPath);
        }
        catch (InvalidDataException e)
        {
            throw new ConvertException(inPath, e.Message.StartsWith(inPath) ? e.Message[(inPath.Length + 2)..] : e.Message, e);
        }
        using (input)
        {
            var quantized = input.Tensors.FirstOrDefault(t => GgmlTypes.IsQuantized(t.Type));
            if (quantized != null)
                throw new ConvertException(inPath, $"tensor '{quantized.Name}' is already {GgmlTypes.Name(quantized.Type)}; requantizing needs an F32, F16 or BF16 GGUF");

            var writer = new GgufWriter();
            foreach (var (key, value) in input.Metadata)
                if (key != "general.alignment") writer.Set(key, value);
            writer.Set(GgufKeys.FileType, GgufValue.Of(GgufKeys.FileTypeOf(options.Type)));
            var fallbacks = new List<TypeFallback>();
            var planned = input.Tensors.Select(t => (Source: t, Target: writer.AddTensor(t.Name, t.Dimensions,
                TypePolicy.Choose(t.Name, TensorMap.RoleOf(t.Name, t.Dimensions.Length), t.Dimensions[0], t.Type, options, fallbacks)))).ToList();

            var byType = GgufOutput.Write(outPath, writer, planned,
                (source, target, buffers) => Reencode(input, source, target, writer, buffers), options.Progress);
            return new ConvertResult(Path.GetFullPath(outPath), planned.Count, byType,
                input.Tensors.Sum(t => t.ByteSize), new FileInfo(outPath).Length, [], fallbacks);
        }
    }

    /// <summary>Decodes and re-encodes one tensor in row chunks, so memory stays at one chunk.</summary>
    private static void Reencode(GgufFile input, GgufTensorInfo source, GgufTensorInfo target, GgufWriter writer, ChunkBuffers buffers)
    {
        long rowLength = target.Dimensions[0];
        long rows = source.ElementCount / rowLength;
        long rowsPerChunk = Math.Clamp(ChunkBuffers.Elements / rowLength, 1, rows);
        long sourceRowBytes = GgmlTypes.RowBytes(source.Type, rowLength), targetRowBytes = GgmlTypes.RowBytes(target.Type, rowLength);
        var (values, _, encoded) = buffers.Get(rowLength * rowsPerChunk, targetRowBytes * rowsPerChunk);
        var raw = buffers.Raw(sourceRowBytes * rowsPerChunk);
        for (long row = 0; row < rows; row += rowsPerChunk)
        {
            int count = (int)Math.Min(rowsPerChunk, rows - row);
            var rawChunk = raw.AsSpan(0, (int)(sourceRowBytes * count));
            var valueChunk = values.AsSpan(0, (int)(rowLength * count));
            var encodedChunk = encoded.AsSpan(0, (int)(targetRowBytes * count));
            input.ReadTensorData(source, row * sourceRowBytes, rawChunk);
            TensorEncoder.Decode(source.Type, rawChunk, valueChunk);
            TensorEncoder.Encode(target.Type, valueChunk, count, rowLength, encodedChunk);
            writer.WriteTensorData(encodedChunk);
        }
    }
}
