using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using DebertaGgml.Cli.Commands;

namespace DebertaGgml.Cli;

// The JSON lines the commands print: snake_case names, HF's where HF pipelines have one (docs/api.md lists them).

internal sealed record ClassifyLine(string Text, string? Pair, IReadOnlyList<LabelScore> Scores, bool Truncated);
internal sealed record ZeroShotLine(string Text, IReadOnlyList<LabelScore> Scores, bool Truncated);
internal sealed record EntityLine(string Text, IReadOnlyList<EntityJson> Entities, bool Truncated);
/// <summary>HF's token-classification keys: entity_group when aggregated, entity and index per token.</summary>
internal sealed record EntityJson(string? EntityGroup, string? Entity, float Score, string Word, int Start, int End, int? Index)
{
    public static EntityJson Of(DebertaGgml.Entity e) =>
        e.TokenIndex is int index ? new(null, e.Label, e.Score, e.Word, e.Start, e.End, index) : new(e.Label, null, e.Score, e.Word, e.Start, e.End, null);
}
internal sealed record AnswerLine(string Question, IReadOnlyList<AnswerJson> Answers);
/// <summary>HF's question-answering keys.</summary>
internal sealed record AnswerJson(string Answer, float Score, int Start, int End);
internal sealed record FillMaskLine(string Text, IReadOnlyList<IReadOnlyList<FillMaskJson>> Masks, bool Truncated);
/// <summary>HF's fill-mask keys: token is the id, token_str its text.</summary>
internal sealed record FillMaskJson(int Token, [property: JsonPropertyName("token_str")] string TokenStr, float Score, string Sequence);
internal sealed record ChoiceLine(string Prompt, IReadOnlyList<ChoiceScore> Choices, int Best, bool Truncated);
internal sealed record EmbeddingLine(string Text, float[] Embedding, bool Truncated);
/// <summary>An input that failed: its 1-based stdin line, or its 1-based position among the arguments.</summary>
internal sealed record ErrorLine(int? Line, int? Argument, string Error);
internal sealed record InfoJson(LibraryInfo Info, bool SelfTest);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)] // bench's peak RSS is NaN where it cannot be read
[JsonSerializable(typeof(ClassifyLine))]
[JsonSerializable(typeof(ZeroShotLine))]
[JsonSerializable(typeof(EntityLine))]
[JsonSerializable(typeof(AnswerLine))]
[JsonSerializable(typeof(FillMaskLine))]
[JsonSerializable(typeof(ChoiceLine))]
[JsonSerializable(typeof(RankedDocument))]
[JsonSerializable(typeof(EmbeddingLine))]
[JsonSerializable(typeof(ErrorLine))]
[JsonSerializable(typeof(BenchCommand.Result))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>`info --json` is indented; everything else is one object per line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(InfoJson))]
internal sealed partial class CliIndentedJsonContext : JsonSerializerContext;

internal static class CliJson
{
    /// <summary>Non-ASCII text stays readable (no \u escapes), as in the input.</summary>
    public static readonly CliJsonContext Lines = new(new JsonSerializerOptions(CliJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>Writes one JSON line (stdout is flushed per line, so a pipe sees it at once).</summary>
    public static void WriteLine<T>(T value, JsonTypeInfo<T> type) => Console.WriteLine(JsonSerializer.Serialize(value, type));
}
