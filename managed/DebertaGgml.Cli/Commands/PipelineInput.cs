using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DebertaGgml.Cli.Commands;

/// <summary>How stdin is read: one text per line, one JSON value per line, or decided by the first non-empty line.</summary>
internal enum InputFormat { Auto, Text, Jsonl }

/// <summary>
/// One input of a pipeline command: a JSON value (a text line or argument is a JSON string), where it came from
/// (1-based stdin line or argument position), or why it could not be read.
/// </summary>
internal sealed record PipelineInput(JsonNode? Value, int Number, bool FromStdin, string? Error = null)
{
    public ErrorLine ErrorLine(string error) => FromStdin ? new(Number, null, error) : new(null, Number, error);

    public string Where => FromStdin ? $"line {Number}" : $"argument {Number}";
}

/// <summary>
/// Streams the inputs: the command-line texts, else stdin lines read on a background thread, so each batch can
/// start (and its results print) while later lines are still arriving.
/// </summary>
internal static class PipelineInputReader
{
    /// <summary>How long a batch waits for more lines that are already on their way before it runs.</summary>
    const int GatherMs = 5;

    /// <param name="arguments">The inputs the command-line arguments make; null: read stdin.</param>
    /// <param name="format">How each input line is read.</param>
    /// <param name="batchSize">Most inputs per batch.</param>
    /// <param name="cancel">Stops reading.</param>
    public static IEnumerable<IReadOnlyList<PipelineInput>> Batches(JsonNode[]? arguments, InputFormat format, int batchSize, CancellationToken cancel)
    {
        if (arguments != null)
        {
            var all = arguments.Select((a, i) => new PipelineInput(a, i + 1, false)).ToArray();
            foreach (var chunk in all.Chunk(batchSize)) yield return chunk;
            yield break;
        }
        if (!Console.IsInputRedirected) throw new UsageException("no input: pass texts as arguments, or lines on stdin");
        // Not disposed: the reader thread may still be blocked adding to it when the command ends early.
        var queue = new BlockingCollection<PipelineInput>(boundedCapacity: 4 * batchSize);
        var reader = new Thread(() => Read(Console.In, format, queue)) { IsBackground = true, Name = "stdin" };
        reader.Start();
        while (true)
        {
            PipelineInput first;
            try
            {
                if (!queue.TryTake(out first!, Timeout.Infinite, cancel)) yield break;
            }
            catch (InvalidOperationException)
            {
                yield break; // completed and empty
            }
            var batch = new List<PipelineInput> { first };
            while (batch.Count < batchSize && queue.TryTake(out var next, GatherMs, cancel)) batch.Add(next);
            yield return batch;
        }
    }

    static void Read(TextReader input, InputFormat format, BlockingCollection<PipelineInput> queue)
    {
        try
        {
            int number = 0;
            for (string? line; (line = input.ReadLine()) != null;)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (format == InputFormat.Auto) format = Detect(line);
                queue.Add(format == InputFormat.Text ? new PipelineInput(JsonValue.Create(line), number, true) : ParseJson(line, number));
            }
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    /// <summary>JSON lines when the first line starts with '{', or is a JSON string; else plain text.</summary>
    static InputFormat Detect(string line)
    {
        string trimmed = line.TrimStart();
        if (trimmed.StartsWith('{')) return InputFormat.Jsonl; // meant as JSON even when malformed: line 1 gets its error
        if (!trimmed.StartsWith('"')) return InputFormat.Text;
        try
        {
            return JsonNode.Parse(line) is JsonValue ? InputFormat.Jsonl : InputFormat.Text;
        }
        catch (JsonException)
        {
            return InputFormat.Text; // a text that starts with a quotation
        }
    }

    static PipelineInput ParseJson(string line, int number)
    {
        try
        {
            return new PipelineInput(JsonNode.Parse(line) ?? throw new JsonException("null"), number, true);
        }
        catch (JsonException e)
        {
            // JsonException's own position suffix ("LineNumber: 0 | BytePositionInLine: 1.") counts from 0 within the line.
            return new PipelineInput(null, number, true, $"not JSON: {CliRunner.OneLine(e.Message.Split(" LineNumber:")[0])}");
        }
    }
}
