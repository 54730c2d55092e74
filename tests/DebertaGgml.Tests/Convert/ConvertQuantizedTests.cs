using DebertaGgml.Convert;
using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Convert;

public class ConvertQuantizedTests
{
    /// <summary>Largest relative RMS error (|deq - x|_rms / |x|_rms) accepted per type, for weights like N(0, s²).</summary>
    private static readonly Dictionary<GgmlType, double> Tolerance = new()
    {
        [GgmlType.F32] = 0,
        [GgmlType.F16] = 5e-4,
        [GgmlType.BF16] = 4e-3,
        [GgmlType.Q8_0] = 0.01,
        [GgmlType.Q6_K] = 0.02,
        [GgmlType.Q5_0] = 0.05,
        [GgmlType.Q5_1] = 0.05,
        [GgmlType.Q5_K] = 0.05,
        [GgmlType.Q4_0] = 0.1,
        [GgmlType.Q4_1] = 0.1,
        [GgmlType.Q4_K] = 0.1,
    };

    public static TheoryData<string, GgmlType> ModelsAndTypes()
    {
        var data = new TheoryData<string, GgmlType>();
        foreach (var model in ConvertFixtures.ModelNames)
            foreach (var type in Tolerance.Keys.Where(t => t != GgmlType.F32))
                data.Add(model, type);
        return data;
    }

    /// <summary>The storage type docs/gguf.md and the issue ask for, written out independently of TypePolicy.</summary>
    private static GgmlType ExpectedType(GgmlType requested, long[] hfShape, string ggufName, GgmlType source)
    {
        if (hfShape.Length == 1) return GgmlType.F32;
        long row = hfShape[^1];
        bool head = ggufName.StartsWith("cls.", StringComparison.Ordinal) || ggufName.StartsWith("mlm.", StringComparison.Ordinal);
        var type = head && requested == GgmlType.BF16 && source is GgmlType.F32 or GgmlType.F16 ? source : requested; // docs/convert.md
        if (row % GgmlTypes.BlockSize(type) != 0)
            type = requested switch { GgmlType.Q4_K => GgmlType.Q5_0, GgmlType.Q5_K => GgmlType.Q5_1, GgmlType.Q6_K => GgmlType.Q8_0, _ => GgmlType.F16 };
        return row % GgmlTypes.BlockSize(type) == 0 ? type : GgmlType.F16;
    }

    [Theory]
    [MemberData(nameof(ModelsAndTypes))]
    public void Every_fixture_converts_to_every_type_within_its_error(string model, GgmlType type)
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        var result = HfToGgufConverter.Convert(ConvertFixtures.Model(model), output, new ConvertOptions { Type = type });

        var expected = ConvertFixtures.ReadSafetensors(ConvertFixtures.Model(model));
        using var checkpoint = CheckpointLoader.Open(ConvertFixtures.Model(model), null);
        using var gguf = GgufFile.Open(output);
        Assert.Equal(GgufKeys.FileTypeOf(type), gguf.GetUInt32("general.file_type"));
        Assert.Equal(expected.Count, gguf.Tensors.Count);
        Assert.Equal(gguf.Tensors.GroupBy(t => t.Type).ToDictionary(g => g.Key, g => g.Count()), result.TensorsByType);
        foreach (var (hfName, (shape, values)) in expected)
        {
            var tensor = gguf.Tensors.Single(t => t.Dimensions.SequenceEqual(shape.Reverse()) && SameSource(t.Name, hfName));
            Assert.Equal(ExpectedType(type, shape, tensor.Name, CheckpointTensor.GgufType(checkpoint.Tensors[hfName].Type)), tensor.Type);
            var decoded = new float[tensor.ElementCount];
            TensorEncoder.Decode(tensor.Type, gguf.ReadTensorData(tensor), decoded);
            double error = RelativeRms(values, decoded);
            Assert.True(error <= Tolerance[tensor.Type], $"{tensor.Name} as {tensor.Type}: relative RMS error {error:g3} > {Tolerance[tensor.Type]:g3}");
        }
    }

    [Theory]
    [InlineData("v3-SequenceClassification-fp16", GgmlType.F16)]
    [InlineData("v3-TokenClassification-bf16", GgmlType.BF16)]
    public void Half_precision_checkpoints_keep_their_exact_bits(string model, GgmlType type)
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        HfToGgufConverter.Convert(ConvertFixtures.Model(model), output, new ConvertOptions { Type = type });
        var expected = ConvertFixtures.ReadSafetensors(ConvertFixtures.Model(model));
        using var gguf = GgufFile.Open(output);
        var embedding = gguf.GetTensor("token_embd.weight");
        Assert.Equal(type, embedding.Type);
        var decoded = new float[embedding.ElementCount];
        TensorEncoder.Decode(type, gguf.ReadTensorData(embedding), decoded);
        Assert.Equal(expected["deberta.embeddings.word_embeddings.weight"].Values, decoded);
    }

    [Fact]
    public void Embedding_and_head_can_keep_a_higher_precision()
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        HfToGgufConverter.Convert(ConvertFixtures.Model("v3-SequenceClassification"), output,
            new ConvertOptions { Type = GgmlType.Q4_0, EmbeddingType = GgmlType.F16, HeadType = GgmlType.Q8_0 });
        using var gguf = GgufFile.Open(output);
        Assert.Equal(GgmlType.F16, gguf.GetTensor("token_embd.weight").Type);
        Assert.Equal(GgmlType.Q8_0, gguf.GetTensor("cls.output.weight").Type);
        Assert.Equal(GgmlType.Q8_0, gguf.GetTensor("cls.weight").Type);
        Assert.Equal(GgmlType.Q4_0, gguf.GetTensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F32, gguf.GetTensor("blk.0.attn_q.bias").Type);
    }

    [Fact]
    public void A_bf16_file_keeps_a_finer_head_unless_told_otherwise()
    {
        using var temp = new ConvertFixtures.TempDir();
        string model = ConvertFixtures.Model("v3-SequenceClassification"); // an F32 checkpoint
        GgmlType HeadAndBody(string path, out GgmlType body)
        {
            using var gguf = GgufFile.Open(path);
            body = gguf.GetTensor("blk.0.attn_q.weight").Type;
            Assert.Equal(gguf.GetTensor("cls.weight").Type, gguf.GetTensor("cls.output.weight").Type);
            return gguf.GetTensor("cls.weight").Type;
        }

        HfToGgufConverter.Convert(model, temp.File("bf16.gguf"), new ConvertOptions { Type = GgmlType.BF16 });
        Assert.Equal(GgmlType.F32, HeadAndBody(temp.File("bf16.gguf"), out var body));
        Assert.Equal(GgmlType.BF16, body);

        HfToGgufConverter.Convert(model, temp.File("bf16-head.gguf"), new ConvertOptions { Type = GgmlType.BF16, HeadType = GgmlType.BF16 });
        Assert.Equal(GgmlType.BF16, HeadAndBody(temp.File("bf16-head.gguf"), out _));

        // Requantizing goes by the file's own types: a BF16 head has nothing finer to keep, an F16 one keeps F16.
        GgufRequantizer.Requantize(temp.File("bf16-head.gguf"), temp.File("again.gguf"), new ConvertOptions { Type = GgmlType.BF16 });
        Assert.Equal(GgmlType.BF16, HeadAndBody(temp.File("again.gguf"), out _));
        HfToGgufConverter.Convert(model, temp.File("f16.gguf"), new ConvertOptions { Type = GgmlType.F16 });
        GgufRequantizer.Requantize(temp.File("f16.gguf"), temp.File("from-f16.gguf"), new ConvertOptions { Type = GgmlType.BF16 });
        Assert.Equal(GgmlType.F16, HeadAndBody(temp.File("from-f16.gguf"), out body));
        Assert.Equal(GgmlType.BF16, body);

        // The rule is BF16's alone.
        HfToGgufConverter.Convert(model, temp.File("q8.gguf"), new ConvertOptions { Type = GgmlType.Q8_0 });
        Assert.Equal(GgmlType.Q8_0, HeadAndBody(temp.File("q8.gguf"), out _));
    }

    /// <summary>K-quants need rows of 256, which the tiny fixtures never have: exercise every type on such a matrix.</summary>
    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.F16)]
    public void Wide_rows_quantize_within_the_type_error(GgmlType type)
    {
        const int rows = 300, rowLength = 512;
        var random = new Random(1234);
        var values = new float[rows * rowLength];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 0.05);
        var encoded = new byte[GgmlTypes.RowBytes(type, rowLength) * rows];
        TensorEncoder.Encode(type, values, rows, rowLength, encoded);
        var decoded = new float[values.Length];
        TensorEncoder.Decode(type, encoded, decoded);
        double error = RelativeRms(values, decoded);
        Assert.True(error <= Tolerance[type], $"{type}: relative RMS error {error:g3}");
        Assert.True(error > 0, "a lossy type reproduced random data exactly");
    }

    private static bool SameSource(string ggufName, string hfName)
    {
        // Distinguishes same-shaped tensors by their layer and role words without repeating the full mapping.
        string layer = System.Text.RegularExpressions.Regex.Match(hfName, @"layer\.(\d+)\.").Groups[1].Value;
        if (layer.Length > 0 && !ggufName.StartsWith($"blk.{layer}.")) return false;
        string suffix = hfName.EndsWith(".bias") ? ".bias" : ".weight";
        if (!ggufName.EndsWith(suffix)) return false;
        return RoleOf(hfName) == RoleOf(ggufName);
    }

    private static string RoleOf(string name)
    {
        string[][] roles =
        [
            ["word_embeddings", "token_embd."], ["position_embeddings", "position_embd"], ["token_type", "token_types"], ["embed_proj", "embd_proj"],
            ["embeddings.LayerNorm", "token_embd_norm"], ["rel_embeddings", "rel_embd."], ["encoder.LayerNorm", "rel_embd_norm"],
            ["conv.conv", "enc_conv."], ["conv.LayerNorm", "enc_conv_norm"], ["query_proj", "attn_q."], ["key_proj", "attn_k."],
            ["value_proj", "attn_v."], ["pos_key_proj", "attn_pos_k"], ["pos_query_proj", "attn_pos_q"], ["attention.output.dense", "attn_output."],
            ["attention.output.LayerNorm", "attn_output_norm"], ["intermediate", "ffn_up"], ["output.dense", "ffn_down"],
            ["output.LayerNorm", "layer_output_norm"], ["pooler", "cls.weight", "cls.bias"], ["classifier", "qa_outputs", "cls.output"],
            ["transform.dense", "lm_head.dense", "mlm.dense"], ["transform.LayerNorm", "lm_head.LayerNorm", "mlm.norm"],
            ["predictions.bias", "lm_head.bias", "mlm.output.bias"],
        ];
        // Most specific match wins (e.g. "attention.output.LayerNorm" over "output.LayerNorm").
        return roles.SelectMany(r => r.Select(key => (Key: key, Role: r[0])))
            .Where(x => name.Contains(x.Key)).OrderByDescending(x => x.Key.Length).Select(x => x.Role).FirstOrDefault() ?? name;
    }

    private static double RelativeRms(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(expected[i] - actual[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-30));
    }
}
