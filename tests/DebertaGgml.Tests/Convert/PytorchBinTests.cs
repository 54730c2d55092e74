using System.Runtime.InteropServices;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Convert;

public class PytorchBinTests
{
    public static TheoryData<string> ModelsWithBin => new(ConvertFixtures.ModelNames.Where(m => File.Exists(Path.Combine(ConvertFixtures.Model(m), "pytorch_model.bin"))));

    [Theory]
    [MemberData(nameof(ModelsWithBin))]
    public void Zip_pytorch_bin_gives_the_same_gguf_tensors_as_safetensors(string model)
    {
        using var temp = new ConvertFixtures.TempDir();
        string fromBin = temp.File("bin.gguf"), fromSafetensors = temp.File("st.gguf");
        var binResult = HfToGgufConverter.Convert(ConvertFixtures.Model(model), fromBin, new ConvertOptions { WeightsFile = "pytorch_model.bin" });
        HfToGgufConverter.Convert(ConvertFixtures.Model(model), fromSafetensors);
        Assert.Empty(binResult.Warnings); // tied aliases (decoder weight/bias, lm_head.weight) are recognized, not reported

        using var a = GgufFile.Open(fromBin);
        using var b = GgufFile.Open(fromSafetensors);
        Assert.Equal(b.Tensors.Select(t => t.Name), a.Tensors.Select(t => t.Name));
        foreach (var t in b.Tensors)
            Assert.Equal(b.ReadTensorData(t), a.ReadTensorData(a.GetTensor(t.Name)));
    }

    [Fact]
    public void Legacy_torch_save_format_is_read()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = ConvertFixtures.CopyModel("v3-MaskedLM-legacy", temp);
        File.Delete(Path.Combine(folder, "pytorch_model.bin"));
        var tensors = ConvertFixtures.ReadSafetensors(folder);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        LegacyTorchFile.Write(Path.Combine(folder, "pytorch_model.bin"), tensors, tieDecoderTo: "deberta.embeddings.word_embeddings.weight");

        string output = temp.File("model.gguf");
        var result = HfToGgufConverter.Convert(folder, output);
        Assert.Empty(result.Warnings);
        using var gguf = GgufFile.Open(output);
        Assert.Equal(tensors.Count, gguf.Tensors.Count);
        var embedding = MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(gguf.GetTensor("token_embd.weight"))).ToArray();
        Assert.Equal(tensors["deberta.embeddings.word_embeddings.weight"].Values, embedding);
        var bias = MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(gguf.GetTensor("mlm.output.bias"))).ToArray();
        Assert.Equal(tensors["cls.predictions.bias"].Values, bias);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch", "load")]
    public void Pickle_with_a_forbidden_global_is_rejected(string module, string name)
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = ConvertFixtures.CopyModel("v3-Model", temp);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        string bin = Path.Combine(folder, "pytorch_model.bin");
        LegacyTorchFile.Write(bin, ConvertFixtures.ReadSafetensors(ConvertFixtures.Model("v3-Model")), extraGlobal: (module, name));

        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, temp.File("out.gguf")));
        Assert.Contains(bin, e.Message);
        Assert.Contains($"'{module}.{name}'", e.Message);
        Assert.False(File.Exists(temp.File("out.gguf")));
    }
}
