using System.CommandLine;
using System.Text.Json;
using DebertaGgml.Convert;

namespace DebertaGgml.Cli.Commands;

/// <summary>
/// `deberta eval model.gguf --input batch.json --output out.json [--all-hidden] [--threads N]`: runs the model on
/// token ids (the fixtures' refs batch format) and writes hidden states and the head's logits as JSON.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "GGUF model file" };
        var input = new Option<string>("--input") { Description = "JSON with input_ids, attention_mask and optional token_type_ids, each [B][T] ([B][C][T] for multiple choice)", Required = true };
        var output = new Option<string>("--output") { Description = "JSON file to write", Required = true };
        var allHidden = new Option<bool>("--all-hidden") { Description = "Also write hidden_states [L+1][B][T][H]" };
        var threads = new Option<int>("--threads") { Description = "Most CPU threads an evaluation uses; small ones use fewer (default: physical cores)" };
        var device = DeviceOption.Create();
        var command = new Command("eval", "Evaluate a model on token ids and write its outputs as JSON") { model, input, output, allHidden, threads, device };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var batch = ReadBatch(parse.GetValue(input)!);
            var result = Evaluate(parse.GetValue(model)!, batch, parse.GetValue(allHidden), parse.GetValue(threads), parse.GetValue(device));
            AtomicFile.Write(parse.GetValue(output)!, stream =>
            {
                using var writer = new Utf8JsonWriter(stream);
                WriteResult(writer, batch, result);
            });
            return 0;
        }));
        return command;
    }

    sealed record Batch(int B, int C, int T, bool MultipleChoice, int[] InputIds, int[] AttentionMask, int[]? TokenTypeIds);

    sealed record Result(ModelInfo Info, ModelOutput Output);

    static Batch ReadBatch(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("input_ids", out var ids) || !root.TryGetProperty("attention_mask", out var mask))
            throw new InvalidDataException($"{path}: input_ids and attention_mask are required");
        var shape = Shape(ids, path, "input_ids");
        bool multipleChoice = shape.Length == 3;
        var (b, c, t) = multipleChoice ? (shape[0], shape[1], shape[2]) : (shape[0], 1, shape[1]);
        int[] Flat(JsonElement e, string name)
        {
            if (!Shape(e, path, name).SequenceEqual(shape)) throw new InvalidDataException($"{path}: {name} must have the shape of input_ids");
            return Leaves(e).Select(x => x.TryGetInt32(out int v) ? v : throw new InvalidDataException($"{path}: {name} holds a non-integer")).ToArray();
        }
        int[]? types = root.TryGetProperty("token_type_ids", out var tt) && tt.ValueKind != JsonValueKind.Null ? Flat(tt, "token_type_ids") : null;
        return new Batch(b, c, t, multipleChoice, Flat(ids, "input_ids"), Flat(mask, "attention_mask"), types);
    }

    // Shape of a rectangular nested array of rank 2 or 3.
    static int[] Shape(JsonElement e, string path, string name)
    {
        var shape = new List<int>();
        for (var cur = e; cur.ValueKind == JsonValueKind.Array; cur = cur.GetArrayLength() > 0 ? cur[0] : default)
        {
            shape.Add(cur.GetArrayLength());
            if (cur.GetArrayLength() == 0) break;
        }
        if (shape.Count is < 2 or > 3 || shape.Contains(0)) throw new InvalidDataException($"{path}: {name} must be a non-empty [B][T] or [B][C][T] array");
        if (Leaves(e).Count() != shape.Aggregate(1, (a, x) => a * x)) throw new InvalidDataException($"{path}: {name} is not rectangular");
        return shape.ToArray();
    }

    static IEnumerable<JsonElement> Leaves(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Leaves) : [e];

    static Result Evaluate(string modelPath, Batch batch, bool allHidden, int threads, DebertaDevice device)
    {
        using var model = DebertaModel.Load(modelPath, new DebertaModelOptions
        {
            Threads = threads,
            Device = device,
            MaxBatch = batch.B * batch.C,
            MaxSequenceLength = Math.Max(batch.T, 3),
            MaxConcurrency = 1,
        });
        var kinds = ModelOutputKinds.LastHiddenState
            | (allHidden ? ModelOutputKinds.HiddenStates : ModelOutputKinds.None)
            | (model.Info.Head == ModelHead.None ? ModelOutputKinds.None : ModelOutputKinds.Logits);
        var output = model.Evaluate(new ModelInput(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, batch.B, batch.T, batch.C), kinds);
        return new Result(model.Info, output);
    }

    static void WriteResult(Utf8JsonWriter w, Batch batch, Result r)
    {
        int s = batch.B * batch.C, t = batch.T, h = r.Info.HiddenSize;
        var o = r.Output;
        w.WriteStartObject();
        w.WritePropertyName("last_hidden_state");
        WriteArray(w, o.LastHiddenState!, 0, [s, t, h]);
        if (o.HiddenStates != null)
        {
            w.WritePropertyName("hidden_states");
            WriteArray(w, o.HiddenStates, 0, [r.Info.NumHiddenLayers + 1, s, t, h]);
        }
        int[]? logitsShape = r.Info.Head switch
        {
            ModelHead.SequenceClassification => [batch.B, r.Info.NumLabels],
            ModelHead.TokenClassification => [batch.B, t, r.Info.NumLabels],
            ModelHead.MultipleChoice => [batch.B, batch.C],
            ModelHead.MaskedLM => [batch.B, t, r.Info.VocabSize],
            _ => null,
        };
        if (logitsShape != null)
        {
            w.WritePropertyName("logits");
            WriteArray(w, o.Logits!, 0, logitsShape);
        }
        if (r.Info.Head == ModelHead.QuestionAnswering)
        {
            w.WritePropertyName("start_logits");
            WriteArray(w, o.StartLogits!, 0, [batch.B, t]);
            w.WritePropertyName("end_logits");
            WriteArray(w, o.EndLogits!, 0, [batch.B, t]);
        }
        w.WriteEndObject();
    }

    // Nested arrays of a row-major buffer; floats are written in their shortest round-trip form.
    static void WriteArray(Utf8JsonWriter w, float[] data, long offset, ReadOnlySpan<int> shape)
    {
        w.WriteStartArray();
        long stride = 1;
        foreach (int d in shape[1..]) stride *= d;
        for (int i = 0; i < shape[0]; i++)
        {
            if (shape.Length == 1) w.WriteNumberValue(data[offset + i]);
            else WriteArray(w, data, offset + i * stride, shape[1..]);
        }
        w.WriteEndArray();
    }
}
