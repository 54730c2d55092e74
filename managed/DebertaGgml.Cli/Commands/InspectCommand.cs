using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DebertaGgml.Gguf;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta inspect model.gguf [--json]`: metadata and tensors (shape, type, bytes) of a GGUF file.</summary>
internal static class InspectCommand
{
    /// <summary>Arrays longer than this are shortened in the JSON output (a vocabulary has ~128k entries).</summary>
    private const int MaxJsonArray = 1000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, TypeInfoResolver = CliJsonContext.Default };

    public static Command Create()
    {
        var file = new Argument<string?>("model") { Description = "GGUF file (or give it with -m)", Arity = ArgumentArity.ZeroOrOne };
        var model = new Option<string?>("--model", "-m") { Description = "GGUF file (instead of the argument)" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var command = new Command("inspect", "Show the metadata and tensors (with their types) of a GGUF file") { file, model, json };
        command.SetAction(parse => CliRunner.Run("inspect", () =>
        {
            using var gguf = GgufFile.Open(ModelPaths.Resolve(parse.GetValue(file), parse.GetValue(model)));
            Console.WriteLine(parse.GetValue(json) ? ToJson(gguf).ToJsonString(Indented) : ToText(gguf));
            return 0;
        }));
        return command;
    }

    internal static string ToText(GgufFile gguf)
    {
        var lines = new List<string>
        {
            $"file: {gguf.Path}",
            $"GGUF v{gguf.Version}, {gguf.FileLength} bytes, alignment {gguf.Alignment}, {gguf.Metadata.Count} keys, {gguf.Tensors.Count} tensors",
            "",
            "metadata:",
        };
        int keyWidth = gguf.Metadata.Select(kv => kv.Key.Length).DefaultIfEmpty(0).Max();
        foreach (var (key, value) in gguf.Metadata)
        {
            string type = value.IsArray ? $"{value.ElementType}[{value.Count}]" : value.Type.ToString();
            lines.Add($"  {key.PadRight(keyWidth)}  {type,-14} {value}");
        }
        lines.Add("");
        lines.Add("tensors:");
        int nameWidth = gguf.Tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max();
        foreach (var t in gguf.Tensors)
            lines.Add($"  {t.Name.PadRight(nameWidth)}  {GgmlTypes.Name(t.Type),-5} {t.ShapeText,-16} {t.ByteSize,12:N0} B");
        lines.Add("");
        lines.Add("by type: " + string.Join(", ", gguf.Tensors.GroupBy(t => t.Type).OrderBy(g => g.Key)
            .Select(g => $"{GgmlTypes.Name(g.Key)} {g.Count()} tensors {ConversionSummary.Size(g.Sum(t => t.ByteSize))}")));
        return string.Join(Environment.NewLine, lines);
    }

    internal static JsonObject ToJson(GgufFile gguf)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in gguf.Metadata) metadata[key] = JsonValueOf(value);
        var tensors = new JsonArray(gguf.Tensors.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["type"] = GgmlTypes.Name(t.Type),
            ["shape"] = new JsonArray(t.Dimensions.Select(d => (JsonNode)d).ToArray()),
            ["offset"] = t.Offset,
            ["bytes"] = t.ByteSize,
        }).ToArray());
        return new JsonObject
        {
            ["path"] = gguf.Path,
            ["version"] = gguf.Version,
            ["file_bytes"] = gguf.FileLength,
            ["alignment"] = gguf.Alignment,
            ["metadata"] = metadata,
            ["tensors"] = tensors,
        };
    }

    private static JsonNode? JsonValueOf(GgufValue value)
    {
        if (!value.IsArray) return ScalarNode(value.Value);
        var items = ((Array)value.Value).Cast<object>();
        if (value.Count <= MaxJsonArray) return new JsonArray(items.Select(i => i is GgufValue nested ? JsonValueOf(nested) : ScalarNode(i)).ToArray());
        return new JsonObject
        {
            ["element_type"] = value.ElementType.ToString(),
            ["count"] = value.Count,
            ["first"] = new JsonArray(items.Take(16).Select(ScalarNode).ToArray()),
        };
    }

    private static JsonNode? ScalarNode(object value) => value switch
    {
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        float f => JsonValue.Create(f),
        double d => JsonValue.Create(d),
        ulong u => JsonValue.Create(u),
        _ => JsonValue.Create(System.Convert.ToInt64(value)),
    };
}
