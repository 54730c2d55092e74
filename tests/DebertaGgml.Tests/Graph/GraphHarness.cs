using System.Collections.Concurrent;
using System.Text.Json;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>One batch of a fixture ref: inputs flattened row-major, shape [B, C, T] (C = 1 unless multiple choice).</summary>
internal sealed record RefBatch(string Name, int B, int C, int T, int[] InputIds, int[] AttentionMask, int[] TokenTypeIds, JsonElement Fp64,
    (int B, int T)[] LogitsRows)
{
    public int Sequences => B * C;
}

/// <summary>A fixture's reference file.</summary>
internal sealed record FixtureRef(string Name, string Head, int Layers, int Hidden, int Vocab, IReadOnlyList<RefBatch> Batches)
{
    public static FixtureRef Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Repo.Fixtures("refs", name + ".json")));
        var root = doc.RootElement.Clone();
        var batches = root.GetProperty("batches").EnumerateArray().Select(b =>
        {
            var shape = b.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var (B, C, T) = shape.Length == 3 ? (shape[0], shape[1], shape[2]) : (shape[0], 1, shape[1]);
            return new RefBatch(b.GetProperty("name").GetString()!, B, C, T, Json.FlatInts(b.GetProperty("input_ids")),
                Json.FlatInts(b.GetProperty("attention_mask")), Json.FlatInts(b.GetProperty("token_type_ids")), b.GetProperty("fp64"),
                b.TryGetProperty("logits_rows_index", out var rows)
                    ? rows.EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToArray() : []);
        }).ToList();
        // "SequenceClassification-regression" and "MaskedLM-legacy" compute like their base heads.
        return new FixtureRef(name, root.GetProperty("head").GetString()!.Split('-')[0], root.GetProperty("num_hidden_layers").GetInt32(),
            root.GetProperty("hidden_size").GetInt32(), root.GetProperty("vocab_size").GetInt32(), batches);
    }

    public static IEnumerable<string> Names =>
        Directory.GetFiles(Repo.Fixtures("refs"), "*.json").Select(Path.GetFileNameWithoutExtension)
            .Where(n => n != "summary").Order(StringComparer.Ordinal)!;
}

internal static class Json
{
    public static int[] FlatInts(JsonElement e) => Flatten(e).Select(x => x.GetInt32()).ToArray();
    public static double[] FlatDoubles(JsonElement e) => Flatten(e).Select(x => x.GetDouble()).ToArray();

    static IEnumerable<JsonElement> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e];
}

/// <summary>What one evaluation returned (flattened like the C API's buffers).</summary>
internal sealed record EvalResult(float[] LastHidden, float[]? AllHidden, float[]? Logits, float[]? Start, float[]? End);

/// <summary>A loaded model plus one context, driven through the generated bindings.</summary>
internal sealed unsafe class NativeModel : IDisposable
{
    readonly ModelHandle _model;
    readonly ContextHandle _context;
    public deberta_model_info Info { get; }

    public NativeModel(string gguf, int maxBatch = 8, int maxTokens = 512, int threads = 2, bool mmap = true)
    {
        NativeLibraryLoader.EnsureLoaded();
        var mp = NativeMethods.deberta_model_default_params();
        mp.use_mmap = mmap ? 1 : 0;
        _model = ModelHandle.Load(gguf, mp);
        deberta_model_info info;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_model_get_info(_model.DangerousGetHandle(), &info), "info");
        Info = info;
        var cp = NativeMethods.deberta_context_default_params();
        cp.max_batch = maxBatch;
        cp.max_tokens = maxTokens;
        cp.n_threads = threads;
        _context = ContextHandle.Create(_model, cp);
    }

    public nint Context => _context.DangerousGetHandle();

    public EvalResult Eval(int b, int c, int t, int[] ids, int[] mask, int[]? types, bool allHidden = false, bool head = true)
    {
        int n = b * c * t, h = Info.hidden_size;
        var last = new float[n * h];
        float[]? all = allHidden ? new float[n * h * (Info.num_hidden_layers + 1)] : null;
        var kind = (deberta_head)Info.head;
        bool qa = kind == deberta_head.DEBERTA_HEAD_QUESTION_ANSWERING;
        int headSize = kind switch
        {
            deberta_head.DEBERTA_HEAD_SEQUENCE_CLASSIFICATION => b * Info.num_labels,
            deberta_head.DEBERTA_HEAD_MULTIPLE_CHOICE => b * c,
            deberta_head.DEBERTA_HEAD_TOKEN_CLASSIFICATION => n * Info.num_labels,
            deberta_head.DEBERTA_HEAD_MASKED_LM => n * Info.vocab_size,
            _ => 0,
        };
        float[]? logits = head && headSize > 0 && !qa ? new float[headSize] : null;
        float[]? start = head && qa ? new float[n] : null, end = head && qa ? new float[n] : null;
        fixed (int* pi = ids, pm = mask, pt = types)
        fixed (float* pl = last, pa = all, pg = logits, ps = start, pe = end)
        {
            var batch = new deberta_batch { input_ids = pi, attention_mask = pm, token_type_ids = pt, n_batch = b, n_choices = c, n_tokens = t };
            var outs = new deberta_outputs
            {
                last_hidden_state = pl, last_hidden_state_size = (nuint)last.Length,
                hidden_states = pa, hidden_states_size = (nuint)(all?.Length ?? 0),
                logits = pg, logits_size = (nuint)(logits?.Length ?? 0),
                start_logits = ps, start_logits_size = (nuint)(start?.Length ?? 0),
                end_logits = pe, end_logits_size = (nuint)(end?.Length ?? 0),
            };
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_context_eval(Context, &batch, &outs), "eval");
        }
        return new EvalResult(last, all, logits, start, end);
    }

    public EvalResult Eval(RefBatch r, bool allHidden = false) =>
        Eval(r.B, r.C, r.T, r.InputIds, r.AttentionMask, r.TokenTypeIds, allHidden);

    public void Dispose()
    {
        _context.Dispose();
        _model.Dispose();
    }
}

/// <summary>Fixture models converted once per test run (per weight type) into a temporary folder.</summary>
internal static class ConvertedModels
{
    static readonly string Dir = Directory.CreateTempSubdirectory("deberta-graph-test-").FullName;
    static readonly ConcurrentDictionary<(string, GgmlType), Lazy<string>> Cache = new();

    static ConvertedModels() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    };

    public static string Get(string fixture, GgmlType type = GgmlType.F32) =>
        Cache.GetOrAdd((fixture, type), key => new Lazy<string>(() =>
        {
            string path = Path.Combine(Dir, $"{key.Item1}.{key.Item2}.gguf");
            HfToGgufConverter.Convert(Repo.Fixtures("models", key.Item1), path, new ConvertOptions { Type = key.Item2 });
            return path;
        })).Value;
}

/// <summary>Max |expected - actual| over real tokens (attention_mask = 1).</summary>
internal static class Compare
{
    public static double AtRealTokens(double[] expected, float[] actual, int[] mask, int width, long offset = 0)
    {
        double worst = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            for (int k = 0; k < width; k++)
                worst = Math.Max(worst, Math.Abs(expected[i * width + k] - actual[offset + (long)i * width + k]));
        }
        return worst;
    }

    public static double All(double[] expected, float[] actual) =>
        expected.Select((e, i) => Math.Abs(e - actual[i])).DefaultIfEmpty(0).Max();
}
