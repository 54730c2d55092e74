using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>HF post-processing math written out for the tests, fixture models loaded once per test run, and the texts behind ref batches.</summary>
public static class ApiRefs
{
    static readonly object Gate = new();

    public static double[] Softmax(IReadOnlyList<double> x)
    {
        double max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    static readonly Dictionary<string, DebertaModel> Models = new();

    /// <summary>A fixture model loaded once per test run and shared (never disposed: tests that dispose load their own).</summary>
    public static DebertaModel Model(string model)
    {
        lock (Gate)
        {
            if (!Models.TryGetValue(model, out var loaded))
                Models[model] = loaded = DebertaModel.Load(ConvertedModels.Get(model), new DebertaModelOptions { Threads = 1, MaxConcurrency = 4 });
            return loaded;
        }
    }

    /// <summary>
    /// Texts behind a ref batch: each sequence's ids decoded (special tokens other than [CLS]/[SEP] kept, pairs split at
    /// the first [SEP]) and kept only when the model's tokenizer encodes the text back to exactly those ids.
    /// </summary>
    internal static List<(int Row, string Text, string? Pair)> Texts(DebertaModel model, RefBatch batch)
    {
        var tok = model.Tokenizer;
        var rows = batch.InputIdRows;
        var result = new List<(int, string, string?)>();
        for (int b = 0; b < batch.Sequences; b++)
        {
            var ids = rows[b].Take(batch.RealLength(b)).ToArray();
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
