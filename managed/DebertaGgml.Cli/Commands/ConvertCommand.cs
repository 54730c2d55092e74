using System.CommandLine;
using DebertaGgml.Convert;
using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Gguf;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta convert &lt;hf-folder&gt; [-o model.gguf] [--type q8_0]`: HF checkpoint folder to one GGUF file.</summary>
internal static class ConvertCommand
{
    /// <summary>The --type that keeps the checkpoint's own float type.</summary>
    const string Auto = "auto";

    public static Command Create()
    {
        var folder = new Argument<string>("hf-folder") { Description = "HuggingFace model folder (config.json, weights, tokenizer files)" };
        var output = new Option<string?>("--output", "-o") { Description = "GGUF file to write (default: <folder-name>-<type>.gguf in the current directory)" };
        var type = new Option<string?>("--type") { Description = $"Type of the weight matrices: auto (default: the checkpoint's float type, f32, f16 or bf16), {TypeOptions.Names}" };
        var embeddingType = TypeOptions.EmbeddingType();
        var headType = TypeOptions.HeadType();
        var name = new Option<string?>("--name") { Description = "general.name (default: the folder name)" };
        var weights = new Option<string?>("--weights") { Description = "Weights file to use (default: model.safetensors, the shard index, then pytorch_model.bin)" };
        var command = new Command("convert", "Convert a HuggingFace DeBERTa-v2/v3 checkpoint to GGUF")
        {
            folder, output, type, embeddingType, headType, name, weights,
        };
        command.SetAction(parse => CliRunner.Run("convert", () =>
        {
            string source = parse.GetValue(folder)!;
            string? typeName = parse.GetValue(type);
            var weightType = typeName is null or Auto ? CheckpointFloatType(source, parse.GetValue(weights)) : TypeOptions.Parse(typeName)!.Value;
            string outputPath = parse.GetValue(output)
                                ?? $"{new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source))).Name}-{GgmlTypes.Name(weightType)}.gguf";
            Console.WriteLine($"type: {GgmlTypes.Name(weightType)}{(typeName is null or Auto ? " (auto: the checkpoint's float type)" : "")}");
            var options = new ConvertOptions
            {
                Type = weightType,
                EmbeddingType = TypeOptions.Parse(parse.GetValue(embeddingType)),
                HeadType = TypeOptions.Parse(parse.GetValue(headType)),
                Name = parse.GetValue(name),
                WeightsFile = parse.GetValue(weights),
                Progress = new ProgressBar(),
            };
            var result = HfToGgufConverter.Convert(source, outputPath, options);
            ConversionSummary.Print(result);
            return 0;
        }));
        return command;
    }

    /// <summary>The float type most of the checkpoint's elements have (f32, f16 or bf16), as llama.cpp's converter keeps it.</summary>
    static GgmlType CheckpointFloatType(string folder, string? weightsFile)
    {
        if (!Directory.Exists(folder)) throw new ConvertException(folder, "model folder does not exist");
        using var checkpoint = CheckpointLoader.Open(folder, weightsFile);
        var dominant = checkpoint.Tensors.Values.Where(t => t.Type != SourceType.Unsupported)
            .GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ElementCount)).Select(g => g.Key).FirstOrDefault(SourceType.F32);
        return CheckpointTensor.GgufType(dominant);
    }
}

/// <summary>Parsing of ggml type names shared by convert and quantize.</summary>
internal static class TypeOptions
{
    public static string Names => string.Join(", ", Enum.GetValues<GgmlType>().Select(GgmlTypes.Name));

    public static Option<string?> EmbeddingType() => Type("--embedding-type", "Keep the embedding tables at this type");

    public static Option<string?> HeadType() =>
        Type("--head-type", "Keep the task head at this type (default: the weight type, but bf16 keeps an f32 or f16 head as it is)");

    static Option<string?> Type(string name, string description) => new(name) { Description = $"{description} ({Names})" };

    public static GgmlType? Parse(string? name) =>
        name == null ? null
        : GgmlTypes.TryParse(name, out var type) ? type
        : throw new ArgumentException($"unknown type '{name}' (expected one of {Names})");
}

/// <summary>One-line progress on stderr, redrawn in place (only on a terminal: logs stay clean).</summary>
internal sealed class ProgressBar : IProgress<ConvertProgress>
{
    private const int Width = 30;

    public void Report(ConvertProgress value)
    {
        if (Console.IsErrorRedirected) return;
        int filled = value.Total == 0 ? Width : value.Done * Width / value.Total;
        string line = $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {value.Done}/{value.Total} {value.TensorName}";
        Console.Error.Write(line.PadRight(100));
        if (value.Done == value.Total) Console.Error.WriteLine();
    }
}

/// <summary>The summary printed after converting or requantizing.</summary>
internal static class ConversionSummary
{
    public static void Print(ConvertResult result)
    {
        foreach (var warning in result.Warnings) Console.Error.WriteLine($"warning: {warning}");
        foreach (var f in result.Fallbacks)
            Console.WriteLine($"fallback: {f.Tensor} {GgmlTypes.Name(f.Wanted)} -> {GgmlTypes.Name(f.Written)}: {f.Reason}");
        Console.WriteLine($"wrote {result.OutputPath}");
        Console.WriteLine($"tensors: {result.TensorCount} ({string.Join(", ", result.TensorsByType.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {GgmlTypes.Name(kv.Key)}"))})");
        Console.WriteLine($"bytes: {Size(result.InputBytes)} of tensors before, {Size(result.OutputBytes)} file after ({(double)result.OutputBytes / Math.Max(1, result.InputBytes):P0})");
    }

    public static string Size(long bytes) =>
        bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):F2} GiB"
        : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):F2} MiB"
        : bytes >= 1 << 10 ? $"{bytes / 1024.0:F1} KiB"
        : $"{bytes} B";
}
