using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>Converts a HuggingFace DeBERTa-v2/v3 model folder to one GGUF file (docs/gguf.md).</summary>
public static class HfToGgufConverter
{
    /// <summary>HF's model configuration file.</summary>
    public const string ConfigFile = "config.json";


    /// <summary>Converts an HF model folder (config, weights, tokenizer files) to one GGUF file, written atomically.</summary>
    public static ConvertResult Convert(string hfFolder, string outPath, ConvertOptions? options = null)
    {
        options ??= new ConvertOptions();
        if (!Directory.Exists(hfFolder)) throw new ConvertException(hfFolder, "model folder does not exist");
        string configPath = Path.Combine(hfFolder, ConfigFile);
        if (!File.Exists(configPath)) throw new ConvertException(configPath, "config.json not found");
        var config = DebertaConfig.Load(configPath);
        if (config.ModelType != GgufKeys.ArchitectureName)
            throw new ConvertException(configPath, $"model_type '{config.ModelType}' is not supported (expected '{GgufKeys.ArchitectureName}')");

        var tokenizer = HfTokenizerFiles.Load(hfFolder, config.VocabSize);
        using var checkpoint = CheckpointLoader.Open(hfFolder, options.WeightsFile);
        var (head, architecture) = ResolveHead(config, configPath, checkpoint);
        var plan = Plan(config, head, checkpoint, hfFolder, out var warnings);

        var writer = new GgufWriter();
        string name = options.Name ?? new DirectoryInfo(hfFolder).Name;
        ModelMetadata.Write(writer, config, head, architecture, name, options.Type);
        GgufTokenizerWriter.Write(writer, tokenizer);
        var fallbacks = new List<TypeFallback>();
        var planned = plan.Select(p => (p.Source, Target: writer.AddTensor(p.Mapping.GgufName, p.Mapping.Dimensions,
            TypePolicy.Choose(p.Mapping.GgufName, p.Mapping.Role, p.Mapping.Dimensions[0], CheckpointTensor.GgufType(p.Source.Type), options, fallbacks)))).ToList();

        var byType = GgufOutput.Write(outPath, writer, planned,
            (source, info, buffers) => WriteTensor(writer, checkpoint, source, info, buffers), options.Progress);

        return new ConvertResult(
            Path.GetFullPath(outPath),
            planned.Count,
            byType,
            planned.Sum(p => p.Source.ElementCount * CheckpointTensor.ElementBytes(p.Source.Type)),
            new FileInfo(outPath).Length,
            warnings,
            fallbacks);
    }

    /// <summary>
    /// Streams a tensor through in row chunks, so memory stays at two chunks whatever the tensor's size. The next
    /// chunk is read on another thread while the current one is encoded and written.
    /// </summary>
    private static void WriteTensor(GgufWriter writer, ICheckpoint checkpoint, CheckpointTensor source, GgufTensorInfo info, ChunkBuffers buffers)
    {
        long rowLength = info.Dimensions[0];
        long rows = source.ElementCount / rowLength;
        long rowsPerChunk = Math.Clamp(ChunkBuffers.Elements / rowLength, 1, rows);
        long rowBytes = GgmlTypes.RowBytes(info.Type, rowLength);
        var (current, next, encoded) = buffers.Get(rowsPerChunk * rowLength, rowsPerChunk * rowBytes);
        using var reader = checkpoint.OpenTensor(source);
        int ChunkLength(long row) => (int)(Math.Min(rowsPerChunk, rows - row) * rowLength);

        reader.Read(current.AsSpan(0, ChunkLength(0)));
        for (long row = 0; row < rows; row += rowsPerChunk)
        {
            long nextRow = row + rowsPerChunk;
            var nextBuffer = next;
            var reading = nextRow < rows ? Task.Run(() => reader.Read(nextBuffer.AsSpan(0, ChunkLength(nextRow)))) : Task.CompletedTask;
            long count = Math.Min(rowsPerChunk, rows - row);
            var bytes = encoded.AsSpan(0, (int)(rowBytes * count));
            try
            {
                TensorEncoder.Encode(info.Type, current.AsSpan(0, ChunkLength(row)), count, rowLength, bytes);
                writer.WriteTensorData(bytes);
            }
            finally
            {
                reading.GetAwaiter().GetResult(); // never leave a read running into a buffer we reuse
            }
            (current, next) = (next, current);
        }
    }

    private static (DebertaHead Head, string Architecture) ResolveHead(DebertaConfig config, string configPath, ICheckpoint checkpoint)
    {
        if (config.Architectures.Count == 0)
        {
            var inferred = DebertaHeads.Infer(checkpoint.Tensors.Keys);
            return (inferred, DebertaHeads.Architecture(inferred));
        }
        string architecture = config.Architectures[0];
        return DebertaHeads.TryFromArchitecture(architecture, out var head)
            ? (head, architecture)
            : throw new ConvertException(configPath,
                $"architecture '{architecture}' is not supported (supported: {string.Join(", ", DebertaHeads.SupportedArchitectures)})");
    }

    /// <summary>Pairs every tensor the config calls for with its checkpoint tensor, checking presence and shape.</summary>
    private static List<(TensorMapping Mapping, CheckpointTensor Source)> Plan(DebertaConfig config, DebertaHead head,
        ICheckpoint checkpoint, string folder, out List<string> warnings)
    {
        var mappings = TensorMap.Build(config, head, TensorMap.LabelCount(config, head));
        var plan = new List<(TensorMapping, CheckpointTensor)>();
        var used = new HashSet<string>();
        foreach (var mapping in mappings)
        {
            string? name = TensorMap.Resolve(mapping.HfName, checkpoint.Tensors);
            if (name == null)
                throw new ConvertException(Path.Combine(folder, checkpoint.Description),
                    $"missing tensor '{mapping.HfName}' (GGUF '{mapping.GgufName}'), which config.json calls for");
            var source = checkpoint.Tensors[name];
            if (!source.Shape.SequenceEqual(mapping.HfShape))
                throw new ConvertException(source.File,
                    $"tensor '{name}' has shape {source.ShapeText} but config.json implies [{string.Join(", ", mapping.HfShape)}]");
            if (source.Type == SourceType.Unsupported)
                throw new ConvertException(source.File, $"tensor '{name}' has dtype {source.TypeName}; only F32, F16 and BF16 are supported");
            used.Add(name);
            plan.Add((mapping, source));
        }
        bool tiedDecoder = head == DebertaHead.MaskedLM && config.TieWordEmbeddings;
        warnings = checkpoint.Tensors.Keys
            .Where(n => !used.Contains(n) && !IsAlias(n, tiedDecoder))
            .Order(StringComparer.Ordinal)
            .Select(n => $"unused checkpoint tensor '{n}'")
            .ToList();
        return plan;
    }

    private static bool IsAlias(string name, bool tiedDecoder)
    {
        string bare = name.StartsWith("deberta.") ? name["deberta.".Length..] : name;
        return TensorMap.IgnoredNames.Contains(bare) || (tiedDecoder && TensorMap.DecoderWeightNames.Contains(name));
    }
}
