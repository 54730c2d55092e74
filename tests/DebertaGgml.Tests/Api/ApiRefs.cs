using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>One batch of a reference file (tests/fixtures/refs), as plain arrays.</summary>
public sealed record RefBatch(string Name, int[][] InputIds, int[][] AttentionMask, int[][] TokenTypeIds, JsonObject Fp64, JsonObject? Fp32)
{
    public int RealLength(int b) => AttentionMask[b].Sum();

    /// <summary>A [B, ...] float tensor of the fp64 outputs as one flat row per batch entry.</summary>
    public double[][] Fp64Rows(string key) => Fp64[key]!.AsArray().Select(row => ApiRefs.Flatten(row!).ToArray()).ToArray();
}

/// <summary>Reads reference fixtures and converts fixture models to GGUF once per test run.</summary>
public static class ApiRefs
{
    static readonly Dictionary<string, string> Converted = new();
    static readonly object Gate = new();

    static ApiRefs() =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var path in Converted.Values) File.Delete(path);
        };

    public static JsonObject Load(string name) => JsonNode.Parse(File.ReadAllText(Repo.Fixtures("refs", name + ".json")))!.AsObject();

    public static RefBatch Batch(string model, string batch)
    {
        var b = Load(model)["batches"]!.AsArray().First(x => (string)x!["name"]! == batch)!.AsObject();
        int[][] Ints(string key) => b[key]!.AsArray().Select(r => r!.AsArray().Select(x => (int)x!).ToArray()).ToArray();
        return new RefBatch(batch, Ints("input_ids"), Ints("attention_mask"), Ints("token_type_ids"), b["fp64"]!.AsObject(), b["fp32"]?.AsObject());
    }

    public static IEnumerable<double> Flatten(JsonNode node) =>
        node is JsonArray a ? a.SelectMany(x => Flatten(x!)) : [(double)node];

    public static double[] Softmax(IReadOnlyList<double> x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    /// <summary>A fixture model converted to a temporary GGUF (F32 unless asked), shared by the tests of one run.</summary>
    public static string Gguf(string model, GgmlType type = GgmlType.F32) => GgufFromFolder(Repo.Fixtures("models", model), model, type);

    public static string GgufFromFolder(string folder, string name, GgmlType type)
    {
        lock (Gate)
        {
            string key = $"{name}-{type}";
            if (Converted.TryGetValue(key, out var path)) return path;
            path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"deberta-api-{Environment.ProcessId}-{key}.gguf");
            HfToGgufConverter.Convert(folder, path, new ConvertOptions { Type = type });
            Converted[key] = path;
            return path;
        }
    }

    static readonly Dictionary<string, DebertaModel> Models = new();

    /// <summary>A fixture model loaded once per test run and shared (never disposed: tests that dispose load their own).</summary>
    public static DebertaModel Model(string model)
    {
        lock (Gate)
        {
            if (!Models.TryGetValue(model, out var loaded))
                Models[model] = loaded = DebertaModel.Load(Gguf(model), new DebertaModelOptions { Threads = 1, MaxConcurrency = 4 });
            return loaded;
        }
    }

    /// <summary>
    /// Texts behind a ref batch: each sequence's ids decoded (special tokens other than [CLS]/[SEP] kept, pairs split at
    /// the first [SEP]) and kept only when the model's tokenizer encodes the text back to exactly those ids.
    /// </summary>
    public static List<(int Row, string Text, string? Pair)> Texts(DebertaModel model, RefBatch batch)
    {
        var tok = model.Tokenizer;
        var result = new List<(int, string, string?)>();
        for (int b = 0; b < batch.InputIds.Length; b++)
        {
            var ids = batch.InputIds[b].Take(batch.RealLength(b)).ToArray();
            int sep = Array.IndexOf(ids, tok.SepId);
            string text = tok.Decode(ids[1..sep], skipSpecialTokens: false);
            string? pair = sep < ids.Length - 1 ? tok.Decode(ids[(sep + 1)..^1], skipSpecialTokens: false) : null;
            if (tok.Encode(text, pair).Ids.SequenceEqual(ids)) result.Add((b, text, pair));
        }
        return result;
    }

    /// <summary>Pieces of the fixture vocabulary by id (tests/fixtures/tokenizer/tokenizer.json; [MASK] = 2000 appended).</summary>
    public static IReadOnlyList<string> FixturePieces()
    {
        var json = JsonNode.Parse(File.ReadAllText(Repo.Fixtures("tokenizer", "tokenizer.json")))!;
        var pieces = json["model"]!["vocab"]!.AsArray().Select(v => (string)v![0]!).ToList();
        pieces.Add("[MASK]");
        return pieces;
    }
}
