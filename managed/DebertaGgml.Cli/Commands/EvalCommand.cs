using System.CommandLine;
using System.Text.Json;
using DebertaGgml.Native;

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
        var threads = new Option<int>("--threads") { Description = "CPU threads (default: physical cores)" };
        var command = new Command("eval", "Evaluate a model on token ids and write its outputs as JSON") { model, input, output, allHidden, threads };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var batch = ReadBatch(parse.GetValue(input)!);
            var result = Evaluate(parse.GetValue(model)!, batch, parse.GetValue(allHidden), parse.GetValue(threads));
            WriteAtomically(parse.GetValue(output)!, writer => WriteResult(writer, batch, result));
            return 0;
        }));
        return command;
    }

    sealed record Batch(int B, int C, int T, bool MultipleChoice, int[] InputIds, int[] AttentionMask, int[]? TokenTypeIds);

    sealed record Result(deberta_model_info Info, float[] LastHidden, float[]? AllHidden, float[]? Logits, float[]? Start, float[]? End);

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

    static unsafe Result Evaluate(string modelPath, Batch batch, bool allHidden, int threads)
    {
        NativeLibraryLoader.EnsureLoaded();
        using var model = ModelHandle.Load(modelPath, NativeMethods.deberta_model_default_params());
        deberta_model_info info;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_model_get_info(model.DangerousGetHandle(), &info), "cannot read model info");
        var cp = NativeMethods.deberta_context_default_params();
        cp.n_threads = threads;
        cp.max_batch = batch.B * batch.C;
        cp.max_tokens = batch.T;
        using var context = ContextHandle.Create(model, cp);

        int n = batch.B * batch.C * batch.T;
        var head = (deberta_head)info.head;
        var last = new float[(long)n * info.hidden_size];
        float[]? all = allHidden ? new float[(long)n * info.hidden_size * (info.num_hidden_layers + 1)] : null;
        long logitsSize = head switch
        {
            deberta_head.DEBERTA_HEAD_SEQUENCE_CLASSIFICATION => (long)batch.B * info.num_labels,
            deberta_head.DEBERTA_HEAD_TOKEN_CLASSIFICATION => (long)n * info.num_labels,
            deberta_head.DEBERTA_HEAD_MULTIPLE_CHOICE => batch.B * batch.C,
            deberta_head.DEBERTA_HEAD_MASKED_LM => (long)n * info.vocab_size,
            _ => 0,
        };
        float[]? logits = logitsSize > 0 ? new float[logitsSize] : null;
        bool qa = head == deberta_head.DEBERTA_HEAD_QUESTION_ANSWERING;
        float[]? start = qa ? new float[n] : null, end = qa ? new float[n] : null;
        fixed (int* pi = batch.InputIds, pm = batch.AttentionMask, pt = batch.TokenTypeIds)
        fixed (float* pl = last, pa = all, pg = logits, ps = start, pe = end)
        {
            var b = new deberta_batch { input_ids = pi, attention_mask = pm, token_type_ids = pt, n_batch = batch.B, n_choices = batch.C, n_tokens = batch.T };
            var o = new deberta_outputs
            {
                last_hidden_state = pl, last_hidden_state_size = (nuint)last.Length,
                hidden_states = pa, hidden_states_size = (nuint)(all?.Length ?? 0),
                logits = pg, logits_size = (nuint)(logits?.Length ?? 0),
                start_logits = ps, start_logits_size = (nuint)(start?.Length ?? 0),
                end_logits = pe, end_logits_size = (nuint)(end?.Length ?? 0),
            };
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_context_eval(context.DangerousGetHandle(), &b, &o), "evaluation failed");
        }
        return new Result(info, last, all, logits, start, end);
    }

    static void WriteResult(Utf8JsonWriter w, Batch batch, Result r)
    {
        int s = batch.B * batch.C, t = batch.T, h = r.Info.hidden_size;
        w.WriteStartObject();
        w.WritePropertyName("last_hidden_state");
        WriteArray(w, r.LastHidden, 0, [s, t, h]);
        if (r.AllHidden != null)
        {
            w.WritePropertyName("hidden_states");
            WriteArray(w, r.AllHidden, 0, [r.Info.num_hidden_layers + 1, s, t, h]);
        }
        switch ((deberta_head)r.Info.head)
        {
            case deberta_head.DEBERTA_HEAD_SEQUENCE_CLASSIFICATION:
                w.WritePropertyName("logits");
                WriteArray(w, r.Logits!, 0, [batch.B, r.Info.num_labels]);
                break;
            case deberta_head.DEBERTA_HEAD_TOKEN_CLASSIFICATION:
                w.WritePropertyName("logits");
                WriteArray(w, r.Logits!, 0, [batch.B, t, r.Info.num_labels]);
                break;
            case deberta_head.DEBERTA_HEAD_MULTIPLE_CHOICE:
                w.WritePropertyName("logits");
                WriteArray(w, r.Logits!, 0, [batch.B, batch.C]);
                break;
            case deberta_head.DEBERTA_HEAD_MASKED_LM:
                w.WritePropertyName("logits");
                WriteArray(w, r.Logits!, 0, [batch.B, t, r.Info.vocab_size]);
                break;
            case deberta_head.DEBERTA_HEAD_QUESTION_ANSWERING:
                w.WritePropertyName("start_logits");
                WriteArray(w, r.Start!, 0, [batch.B, t]);
                w.WritePropertyName("end_logits");
                WriteArray(w, r.End!, 0, [batch.B, t]);
                break;
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

    static void WriteAtomically(string path, Action<Utf8JsonWriter> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var stream = File.Create(temp))
            using (var writer = new Utf8JsonWriter(stream))
                write(writer);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
