using System.Collections.Concurrent;
using System.Text.Json;

namespace DebertaGgml.Tests.TestSupport;

/// <summary>
/// A reference file, tests/fixtures/refs/&lt;name&gt;.json (format: tests/fixtures/README.md). Parsed once per test run
/// and shared by every test that reads it, so treat everything it holds as read-only.
/// </summary>
internal sealed record FixtureRef(string Name, string Head, int Layers, int Hidden, int Vocab, IReadOnlyList<RefBatch> Batches)
{
    static readonly ConcurrentDictionary<string, Lazy<FixtureRef>> Cache = new();

    public static FixtureRef Load(string name) => Cache.GetOrAdd(name, n => new Lazy<FixtureRef>(() => Parse(n))).Value;

    /// <summary>Every reference file but summary.json, in ordinal order.</summary>
    public static IEnumerable<string> Names =>
        Directory.GetFiles(Repo.Fixtures("refs"), "*.json").Select(Path.GetFileNameWithoutExtension)
            .Where(n => n != "summary").Order(StringComparer.Ordinal)!;

    public RefBatch Batch(string name) =>
        Batches.FirstOrDefault(b => b.Name == name) ?? throw new KeyNotFoundException($"refs/{Name}.json has no batch '{name}'");

    static FixtureRef Parse(string name)
    {
        string path = Repo.Fixtures("refs", name + ".json");
        // Cloned out of the document so the elements outlive it and can be read from parallel tests.
        JsonElement root;
        using (var doc = JsonDocument.Parse(File.ReadAllBytes(path))) root = doc.RootElement.Clone();
        var batches = root.GetProperty("batches").EnumerateArray().Select(b => ParseBatch(b, path)).ToList();
        // "SequenceClassification-regression" and "MaskedLM-legacy" compute like their base heads.
        return new FixtureRef(name, root.GetProperty("head").GetString()!.Split('-')[0], root.GetProperty("num_hidden_layers").GetInt32(),
            root.GetProperty("hidden_size").GetInt32(), root.GetProperty("vocab_size").GetInt32(), batches);
    }

    static RefBatch ParseBatch(JsonElement b, string path)
    {
        string name = b.GetProperty("name").GetString()!;
        var shape = b.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        if (shape.Length is not (2 or 3)) throw new InvalidDataException($"{path}: batch '{name}' has input_shape of rank {shape.Length}, not 2 or 3");
        int size = shape.Aggregate(1, (a, d) => a * d);
        int[] Ints(string key)
        {
            var values = new JsonTensor(b.GetProperty(key)).FlatInts();
            if (values.Length != size) throw new InvalidDataException($"{path}: batch '{name}' {key} has {values.Length} values, input_shape needs {size}");
            return values;
        }
        string where = $"{path} batch '{name}'";
        return new RefBatch(name, shape, Ints("input_ids"), Ints("attention_mask"), Ints("token_type_ids"),
            new RefOutputs(b.GetProperty("fp64"), where + " fp64"),
            b.TryGetProperty("logits_rows_index", out var rows) ? rows.EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToArray() : []);
    }
}

/// <summary>
/// One batch of a reference file. The inputs are stored flat, row-major over <see cref="Shape"/> ([B, T], or [B, C, T]
/// for multiple choice); the *Rows views give one array per sequence (B·C of them).
/// </summary>
/// <param name="LogitsRows">MaskedLM only: the (sequence, position) of each row of fp64 "logits_rows".</param>
internal sealed record RefBatch(string Name, int[] Shape, int[] InputIds, int[] AttentionMask, int[] TokenTypeIds, RefOutputs Fp64,
    (int B, int T)[] LogitsRows)
{
    public bool MultipleChoice => Shape.Length == 3;
    public int B => Shape[0];
    public int C => MultipleChoice ? Shape[1] : 1;
    public int T => Shape[^1];
    public int Sequences => B * C;

    public int[][] InputIdRows => Rows(InputIds);
    public int[][] AttentionMaskRows => Rows(AttentionMask);
    public int[][] TokenTypeIdRows => Rows(TokenTypeIds);

    /// <summary>Real tokens (attention_mask = 1) of sequence <paramref name="sequence"/>.</summary>
    public int RealLength(int sequence)
    {
        int n = 0;
        foreach (int m in AttentionMask.AsSpan(sequence * T, T)) n += m;
        return n;
    }

    int[][] Rows(int[] flat) => flat.Chunk(T).ToArray();
}

/// <summary>The float64 outputs of a reference batch (its "fp64" object), by key.</summary>
internal sealed class RefOutputs(JsonElement outputs, string where)
{
    public JsonTensor this[string key] =>
        TryGet(key, out var tensor) ? tensor : throw new KeyNotFoundException($"{where} has no output '{key}'");

    public bool TryGet(string key, out JsonTensor tensor)
    {
        bool found = outputs.TryGetProperty(key, out var json);
        tensor = new JsonTensor(json);
        return found;
    }

    /// <summary>Every value of the output, row-major.</summary>
    public double[] Flat(string key) => this[key].Flat();

    /// <summary>The output as one flat row per entry of its first axis (per batch entry for [B, ...] outputs).</summary>
    public double[][] Rows(string key) => this[key].Rows();
}

/// <summary>A nested JSON array of numbers (a reference output, or what the CLI wrote), read row-major.</summary>
internal readonly record struct JsonTensor(JsonElement Json)
{
    /// <summary>Entries along the first axis.</summary>
    public int Length => Json.GetArrayLength();

    public JsonTensor this[int index] => new(Json[index]);

    public double[] Flat() => Leaves(Json).Select(x => x.GetDouble()).ToArray();

    public int[] FlatInts() => Leaves(Json).Select(x => x.GetInt32()).ToArray();

    public double[][] Rows() => Json.EnumerateArray().Select(row => new JsonTensor(row).Flat()).ToArray();

    static IEnumerable<JsonElement> Leaves(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Leaves) : [e];
}
