using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

/// <summary>
/// The model format has one table, in the native library (native/src/arch.cpp); every C# copy of it (head enums and
/// names, tensor types, metadata keys, config rules, tensor names and shapes) is compared with that table here.
/// </summary>
public unsafe class ModelFormatTests
{
    static string? Utf8(byte* text) => NativeErrors.Utf8(text);

    static ModelFormatTests() => NativeLibraryLoader.EnsureLoaded();

    [Fact]
    public void Head_enums_mirror_deberta_head()
    {
        static string Rename(string n) => n == "MASKED_LM" ? "MaskedLM" : EnumMirrorTests.PascalCase(n);
        EnumMirrorTests.AssertMirrors<ModelHead, deberta_head>("DEBERTA_HEAD_", Rename);
        EnumMirrorTests.AssertMirrors<DebertaHead, deberta_head>("DEBERTA_HEAD_", Rename);
    }

    [Fact]
    public void Converter_head_names_are_the_loader_s()
    {
        foreach (var head in Enum.GetValues<DebertaHead>())
            Assert.Equal(Utf8(NativeMethods.deberta_head_name((int)head)), DebertaHeads.GgufName(head));
        Assert.Null(Utf8(NativeMethods.deberta_head_name(Enum.GetValues<DebertaHead>().Length)));
    }

    [Fact]
    public void Tensor_types_mirror_deberta_type_with_the_same_sizes_names_and_file_types()
    {
        EnumMirrorTests.AssertMirrors<GgmlType, deberta_type>("DEBERTA_TYPE_", n => n);
        foreach (var type in Enum.GetValues<GgmlType>())
        {
            int id = (int)type;
            long block = NativeMethods.deberta_type_block_size(id);
            Assert.Equal(block, GgmlTypes.BlockSize(type));
            Assert.Equal((long)NativeMethods.deberta_type_row_size(id, 3 * block), GgmlTypes.RowBytes(type, 3 * block));
            // The CLI spells types in lower case (q4_k); ggml writes the k-quants as q4_K.
            Assert.Equal(Utf8(NativeMethods.deberta_type_name(id)), GgmlTypes.Name(type), ignoreCase: true);
            Assert.Equal(NativeMethods.deberta_type_file_type(id), (int)GgufKeys.FileTypeOf(type));
        }
    }

    [Fact]
    public void Metadata_keys_are_the_loader_s()
    {
        var native = new List<string>();
        for (int i = 0; Utf8(NativeMethods.deberta_gguf_key(i)) is string key; i++) native.Add(key);
        var managed = typeof(GgufKeys).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(k => k.StartsWith(GgufKeys.ArchitectureName + ".", StringComparison.Ordinal));
        Assert.Equal(native.Order(), managed.Order());
    }

    [Theory]
    [InlineData("layer_norm")]
    [InlineData("none")]
    [InlineData("")]
    [InlineData("LAYER_NORM")]
    [InlineData(" layer_norm ")]
    [InlineData("position|layer_norm")]
    [InlineData("layer_norm | position")]
    [InlineData("layer_norm_x")]
    [InlineData("no_layer_norm")]
    [InlineData("layer norm")]
    public void Relative_embedding_norm_rule_is_the_loader_s(string normRelEbd)
    {
        var read = (delegate* unmanaged<byte*, int>)Export("deberta_testing_normalizes_relative_embeddings");
        byte[] utf8 = [.. System.Text.Encoding.UTF8.GetBytes(normRelEbd), 0];
        fixed (byte* p = utf8)
            Assert.Equal(read(p) != 0, new DebertaConfig { NormRelEbd = normRelEbd }.NormalizesRelativeEmbeddings);
    }

    [Theory]
    [InlineData(256, -1, 512)]
    [InlineData(0, -1, 512)]
    [InlineData(-1, 128, 512)]
    [InlineData(-1, 0, 512)]
    [InlineData(64, 128, 512)]
    public void Attention_span_rule_is_the_loader_s(int buckets, int maxRelative, int maxPositions)
    {
        var span = (delegate* unmanaged<long, long, long, long>)Export("deberta_testing_attention_span");
        var config = new DebertaConfig { PositionBuckets = buckets, MaxRelativePositions = maxRelative, MaxPositionEmbeddings = maxPositions };
        Assert.Equal(span(buckets, maxRelative, maxPositions), config.AttentionSpan);
    }

    /// <summary>Configs that between them call for every tensor of the native table: each variant of the embeddings,
    /// the relative attention and the heads (small sizes; the shapes still differ per dimension).</summary>
    static readonly Dictionary<string, (string Config, DebertaHead Head)> TensorVariants = new()
    {
        ["v3"] = ("""{"position_biased_input": false, "relative_attention": true, "pos_att_type": ["p2c", "c2p"], "share_att_key": true, "norm_rel_ebd": "layer_norm", "position_buckets": 8}""", DebertaHead.None),
        ["v3-sequence"] = ("""{"position_biased_input": false, "relative_attention": true, "pos_att_type": ["p2c", "c2p"], "share_att_key": true, "position_buckets": 8, "id2label": {"0": "a", "1": "b", "2": "c"}}""", DebertaHead.SequenceClassification),
        ["v3-token"] = ("""{"position_biased_input": false, "relative_attention": true, "pos_att_type": ["c2p"], "share_att_key": true}""", DebertaHead.TokenClassification),
        ["v3-qa"] = ("""{"relative_attention": true, "pos_att_type": ["p2c"], "share_att_key": true}""", DebertaHead.QuestionAnswering),
        ["v3-choice"] = ("""{"position_biased_input": false, "relative_attention": true, "pos_att_type": ["p2c", "c2p"], "share_att_key": true}""", DebertaHead.MultipleChoice),
        ["v3-mlm"] = ("""{"position_biased_input": false, "relative_attention": true, "pos_att_type": ["p2c", "c2p"], "share_att_key": true, "legacy": false}""", DebertaHead.MaskedLM),
        ["v3-mlm-untied"] = ("""{"relative_attention": true, "pos_att_type": ["c2p"], "share_att_key": true, "tie_word_embeddings": false, "embedding_size": 12}""", DebertaHead.MaskedLM),
        ["v2-separate-c2p-p2c"] = ("""{"relative_attention": true, "pos_att_type": "c2p|p2c", "type_vocab_size": 2, "embedding_size": 12, "max_relative_positions": 6}""", DebertaHead.MaskedLM),
        ["v2-separate-c2p"] = ("""{"relative_attention": true, "pos_att_type": ["c2p"], "share_att_key": false, "conv_kernel_size": 3, "norm_rel_ebd": "layer_norm"}""", DebertaHead.SequenceClassification),
        ["v2-separate-p2c"] = ("""{"relative_attention": true, "pos_att_type": ["p2c"], "share_att_key": false, "type_vocab_size": 3}""", DebertaHead.TokenClassification),
        ["absolute-only"] = ("""{"type_vocab_size": 2, "norm_rel_ebd": "layer_norm"}""", DebertaHead.SequenceClassification),
    };

    public static TheoryData<string> TensorVariantNames() => [.. TensorVariants.Keys];

    static DebertaConfig VariantConfig(string variant)
    {
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(TensorVariants[variant].Config)!;
        var sizes = new Dictionary<string, object>
        {
            ["vocab_size"] = 40, ["hidden_size"] = 16, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 2,
            ["intermediate_size"] = 24, ["max_position_embeddings"] = 20,
        };
        foreach (var (key, value) in sizes) config.TryAdd(key, JsonSerializer.SerializeToElement(value));
        return DebertaConfig.Parse(JsonSerializer.SerializeToElement(config));
    }

    /// <summary>What TensorMap writes for a variant, as names and ggml shapes.</summary>
    static IReadOnlyList<TensorMapping> VariantTensors(string variant, out DebertaConfig config)
    {
        config = VariantConfig(variant);
        var head = TensorVariants[variant].Head;
        return TensorMap.Build(config, head, TensorMap.LabelCount(config, head));
    }

    /// <summary>Every tensor of the native table is written by TensorMap for some variant, and TensorMap writes no name
    /// the table lacks (per-layer names compared as the table spells them, "blk.%d.").</summary>
    [Fact]
    public void TensorMap_names_are_the_table_s()
    {
        var native = new List<string>();
        for (int i = 0; Utf8(NativeMethods.deberta_tensor_name(i)) is string name; i++) native.Add(name);
        Assert.Contains("blk.%d.attn_q.weight", native);
        var managed = TensorVariants.Keys
            .SelectMany(v => VariantTensors(v, out _))
            .Select(t => Regex.Replace(t.GgufName, @"^blk\.\d+\.", "blk.%d."))
            .ToHashSet();
        Assert.Equal(native.Order(), managed.Order());
    }

    /// <summary>For each variant, a GGUF of exactly TensorMap's tensors (zeros) loads: the loader, binding from the table,
    /// finds every tensor it requires with the shape it expects, and warns of none it does not use.</summary>
    [Theory]
    [MemberData(nameof(TensorVariantNames))]
    public void The_loader_binds_exactly_TensorMap_s_tensors(string variant)
    {
        var tensors = VariantTensors(variant, out var config);
        var head = TensorVariants[variant].Head;
        var writer = new GgufWriter();
        ModelMetadata.Write(writer, config, head, DebertaHeads.Architecture(head), variant, GgmlType.F32);
        foreach (var t in tensors) writer.AddTensor(t.GgufName, t.Dimensions, GgmlType.F32);
        string path = Path.Combine(Path.GetTempPath(), $"deberta-format-{variant}-{Guid.NewGuid():N}.gguf");
        try
        {
            using (var file = File.Create(path))
            {
                writer.WriteHeader(file);
                foreach (var info in writer.Tensors) writer.WriteTensorData(new byte[info.ByteSize]);
                writer.Complete();
            }
            Assert.Empty(LoadWarnings(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string> Fixtures() =>
        [.. Directory.GetDirectories(Repo.Fixtures("models")).Select(d => Path.GetFileName(d)).Order()];

    /// <summary>The same for the converted fixtures (the converter's whole path, from HF checkpoints).</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void The_loader_binds_exactly_the_tensors_the_converter_writes(string fixture) =>
        Assert.Empty(LoadWarnings(ConvertedModels.Get(fixture)));

    /// <summary>Loads a model (throwing with the loader's reason, e.g. a missing tensor or a wrong shape) and returns
    /// its warnings about tensors it does not use.</summary>
    static List<string> LoadWarnings(string path)
    {
        var warnings = new List<string>();
        var previous = NativeLog.Handler;
        NativeLog.Handler = (level, message) =>
        {
            if (message.Contains(path, StringComparison.Ordinal)) lock (warnings) warnings.Add(message);
            previous?.Invoke(level, message);
        };
        try
        {
            using var model = ModelHandle.Load(path, NativeMethods.deberta_model_default_params());
        }
        finally
        {
            NativeLog.Handler = previous;
        }
        return warnings.Where(w => w.Contains("not used", StringComparison.Ordinal)).ToList();
    }

    [Theory]
    [InlineData("v3-Model")]
    [InlineData("v3-SequenceClassification")]
    [InlineData("v3-TokenClassification")]
    [InlineData("v3-QuestionAnswering")]
    [InlineData("v3-MultipleChoice")]
    [InlineData("v3-MaskedLM")]
    public void The_CLI_s_logits_shape_has_the_loader_s_size(string fixture)
    {
        using var model = DebertaModel.Load(ConvertedModels.Get(fixture));
        const int b = 2, t = 5;
        int c = model.Info.Head == ModelHead.MultipleChoice ? 3 : 1;
        int[]? shape = DebertaGgml.Cli.Commands.EvalCommand.LogitsShape(model.Info, b, c, t);
        long size = model.OutputFloats(deberta_output.DEBERTA_OUTPUT_LOGITS, b, c, t);
        Assert.Equal(size, shape?.Aggregate(1L, (n, d) => n * d) ?? 0);
        if (model.Info.Head != ModelHead.None) Assert.True(size > 0 || model.Info.Head == ModelHead.QuestionAnswering);
    }

    static nint Export(string name) => NativeLibrary.GetExport(NativeLibrary.Load(NativeLibraryLoader.Info.LibraryPath), name);
}
