using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Convert;

public class RequantizeTests
{
    [Theory]
    [InlineData(GgmlType.F32)]
    [InlineData(GgmlType.F16)]
    public void Requantizing_gives_the_same_tensors_as_converting_directly(GgmlType sourceType)
    {
        using var temp = new ConvertFixtures.TempDir();
        string source = temp.File("source.gguf"), requantized = temp.File("requantized.gguf"), direct = temp.File("direct.gguf");
        string model = ConvertFixtures.Model("v3-MaskedLM");
        HfToGgufConverter.Convert(model, source, new ConvertOptions { Type = sourceType });
        var options = new ConvertOptions { Type = GgmlType.Q8_0, EmbeddingType = GgmlType.F16 };
        GgufRequantizer.Requantize(source, requantized, options);
        HfToGgufConverter.Convert(model, direct, options);

        using var a = GgufFile.Open(requantized);
        using var b = GgufFile.Open(direct);
        Assert.Equal(b.Metadata.Select(kv => kv.Key), a.Metadata.Select(kv => kv.Key));
        Assert.Equal(GgufKeys.FileTypeOf(GgmlType.Q8_0), a.GetUInt32("general.file_type"));
        Assert.Equal(b.GetArray<string>("deberta-v2.pos_att_type"), a.GetArray<string>("deberta-v2.pos_att_type"));
        Assert.Equal(b.Tensors.Select(t => (t.Name, t.Type)), a.Tensors.Select(t => (t.Name, t.Type)));
        if (sourceType == GgmlType.F32) // from F16 the rounding differs, so only equal from F32
            foreach (var t in b.Tensors)
                Assert.Equal(b.ReadTensorData(t), a.ReadTensorData(a.GetTensor(t.Name)));
    }

    [Fact]
    public void An_already_quantized_gguf_is_refused()
    {
        using var temp = new ConvertFixtures.TempDir();
        string q8 = temp.File("q8.gguf");
        HfToGgufConverter.Convert(ConvertFixtures.Model("v3-Model"), q8, new ConvertOptions { Type = GgmlType.Q8_0 });
        var e = Assert.Throws<ConvertException>(() => GgufRequantizer.Requantize(q8, temp.File("q4.gguf"), new ConvertOptions { Type = GgmlType.Q4_0 }));
        Assert.Equal(q8, e.File);
        Assert.Contains("already q8_0", e.Problem);
        Assert.False(File.Exists(temp.File("q4.gguf")));
    }
}
