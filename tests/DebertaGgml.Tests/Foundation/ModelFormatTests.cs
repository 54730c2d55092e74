using System.Reflection;
using System.Runtime.InteropServices;
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

    public static TheoryData<string> Fixtures() =>
        [.. Directory.GetDirectories(Repo.Fixtures("models")).Select(d => Path.GetFileName(d)).Order()];

    /// <summary>TensorMap (converter) and bind_weights (loader) agree on names and shapes: the loader rejects a
    /// missing tensor or a wrong shape, and warns about a tensor it does not use.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void The_loader_binds_exactly_the_tensors_the_converter_writes(string fixture)
    {
        string path = ConvertedModels.Get(fixture);
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
        Assert.DoesNotContain(warnings, w => w.Contains("not used", StringComparison.Ordinal));
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
