using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Cli.Commands;

/// <summary>
/// `deberta tokenize &lt;model.gguf|spm.model|tokenizer.json&gt; --input texts.jsonl [--lower] [--split-punct]
/// [--max-length N --truncation longest_first|only_first|only_second] [--stride N]`: reads JSON lines
/// {"text": ..., "pair": ...} and writes one JSON line per input to stdout with tokens, input_ids,
/// token_type_ids, special_tokens_mask and offsets (plus "overflowing" windows when --stride is given). A line that
/// cannot be read gets {"line": N, "error": ...} in its place, as the pipeline commands write it, and the others go on.
/// </summary>
internal static class TokenizeCommand
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "model.gguf, spm.model, tokenizer.json, or a model folder (or give it with -m)", Arity = ArgumentArity.ZeroOrOne };
        var modelOption = new Option<string?>("--model", "-m") { Description = "model.gguf, spm.model, tokenizer.json or a model folder (instead of the argument)" };
        var input = new Option<string>("--input") { Description = "JSON lines with \"text\" and optional \"pair\" (-: stdin)", Required = true };
        var lower = new Option<bool?>("--lower") { Description = "Lowercase (overrides the tokenizer files)" };
        var splitPunct = new Option<bool?>("--split-punct") { Description = "Split on punctuation first (overrides the tokenizer files)" };
        var maxLength = new Option<int?>("--max-length") { Description = "Truncate to this many tokens, special tokens included" };
        var truncation = new Option<string>("--truncation") { Description = "longest_first (default with --max-length), only_first, only_second or none" };
        truncation.AcceptOnlyFromAmong("longest_first", "only_first", "only_second", "none");
        var stride = new Option<int?>("--stride") { Description = "Also write the overflowing windows, overlapping by this many tokens" };
        var command = new Command("tokenize", "Tokenize JSON lines of text (pairs) as HF's DebertaV2Tokenizer does")
        {
            model, modelOption, input, lower, splitPunct, maxLength, truncation, stride,
        };
        command.SetAction(parse => CliRunner.Run("tokenize", () =>
        {
            // A checkpoint folder is fine here: its tokenizer files are what is read.
            var tokenizer = DebertaTokenizer.FromFile(ModelPaths.Resolve(parse.GetValue(model), parse.GetValue(modelOption), ggufOnly: false), new DebertaTokenizerOptions
            {
                DoLowerCase = parse.GetValue(lower),
                SplitByPunct = parse.GetValue(splitPunct),
            });
            int? max = parse.GetValue(maxLength);
            int? windowStride = parse.GetValue(stride);
            var options = new EncodeOptions
            {
                MaxLength = max,
                Truncation = max is null ? TruncationStrategy.None : ParseStrategy(parse.GetValue(truncation)),
                Stride = windowStride ?? 0,
                ReturnOverflowing = windowStride is not null,
            };
            int failed = Run(tokenizer, parse.GetValue(input)!, options, Console.OpenStandardOutput());
            return failed > 0 ? CliRunner.Failed : 0;
        }));
        return command;
    }

    /// <returns>How many lines failed.</returns>
    internal static int Run(DebertaTokenizer tokenizer, string inputPath, EncodeOptions options, Stream output)
    {
        using var reader = StdPaths.OpenText(inputPath);
        if (inputPath == StdPaths.Std) inputPath = "stdin";
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        int lineNumber = 0, failed = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TokenEncoding encoding;
            try
            {
                var (text, pair) = ParseLine(line, inputPath, lineNumber);
                encoding = tokenizer.Encode(text, pair, options);
            }
            catch (InvalidDataException e)
            {
                failed++;
                Console.Error.WriteLine($"deberta tokenize: error: {e.Message}");
                JsonSerializer.Serialize(writer, new ErrorLine(lineNumber, null, e.Message), CliJsonContext.Default.ErrorLine);
                EndLine();
                continue;
            }
            WriteEncoding(writer, encoding, includeOverflow: options.ReturnOverflowing);
            EndLine();
        }
        output.Flush();
        return failed;

        void EndLine()
        {
            writer.Flush();
            output.WriteByte((byte)'\n');
            writer.Reset();
        }
    }

    private static (string Text, string? Pair) ParseLine(string line, string path, int lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}:{lineNumber}: expected an object with a string \"text\"");
            string? pair = root.TryGetProperty("pair", out var p) || root.TryGetProperty("text_pair", out p)
                ? p.ValueKind switch
                {
                    JsonValueKind.String => p.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw new InvalidDataException($"{path}:{lineNumber}: \"pair\" must be a string or null"),
                }
                : null;
            return (text.GetString()!, pair);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON: {e.Message}", e);
        }
    }

    private static void WriteEncoding(Utf8JsonWriter writer, TokenEncoding encoding, bool includeOverflow)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("tokens");
        foreach (var token in encoding.Tokens) writer.WriteStringValue(token);
        writer.WriteEndArray();
        WriteInts(writer, "input_ids", encoding.Ids);
        WriteInts(writer, "token_type_ids", encoding.TypeIds);
        WriteInts(writer, "special_tokens_mask", encoding.SpecialTokensMask);
        writer.WriteStartArray("offsets");
        foreach (var (start, end) in encoding.Offsets)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(start);
            writer.WriteNumberValue(end);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        if (includeOverflow)
        {
            writer.WriteStartArray("overflowing");
            foreach (var window in encoding.Overflowing) WriteEncoding(writer, window, includeOverflow: false);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteInts(Utf8JsonWriter writer, string name, IReadOnlyList<int> values)
    {
        writer.WriteStartArray(name);
        foreach (int value in values) writer.WriteNumberValue(value);
        writer.WriteEndArray();
    }

    private static TruncationStrategy ParseStrategy(string? name) => name switch
    {
        null or "longest_first" => TruncationStrategy.LongestFirst,
        "only_first" => TruncationStrategy.OnlyFirst,
        "only_second" => TruncationStrategy.OnlySecond,
        "none" => TruncationStrategy.None,
        _ => throw new ArgumentException($"--truncation '{name}' is not longest_first, only_first, only_second or none"),
    };
}
