using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Convert;

public class TiedDecoderTests
{
    private static string CopyUntied(string model, ConvertFixtures.TempDir temp)
    {
        string folder = ConvertFixtures.CopyModel(model, temp);
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["tie_word_embeddings"] = false;
        File.WriteAllText(configPath, config.ToJsonString());
        return folder;
    }

    [Theory]
    [InlineData("v3-MaskedLM-legacy")]
    [InlineData("v3-MaskedLM")]
    public void Tied_decoder_is_not_written_whether_present_or_dropped(string model)
    {
        using var temp = new ConvertFixtures.TempDir();
        foreach (string weights in new[] { "model.safetensors", "pytorch_model.bin" }) // dropped / present as an alias
        {
            string output = temp.File($"{weights}.gguf");
            var result = HfToGgufConverter.Convert(ConvertFixtures.Model(model), output, new ConvertOptions { WeightsFile = weights });
            Assert.Empty(result.Warnings);
            using var gguf = GgufFile.Open(output);
            Assert.DoesNotContain(gguf.Tensors, t => t.Name == "mlm.output.weight");
            Assert.Contains(gguf.Tensors, t => t.Name == "mlm.output.bias");
        }
    }

    [Fact]
    public void Untied_decoder_is_written_as_mlm_output_weight()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = CopyUntied("v3-MaskedLM-legacy", temp);
        string output = temp.File("untied.gguf");
        HfToGgufConverter.Convert(folder, output, new ConvertOptions { WeightsFile = "pytorch_model.bin" });
        using var gguf = GgufFile.Open(output);
        var decoder = gguf.GetTensor("mlm.output.weight");
        Assert.Equal([32L, 2008L], decoder.Dimensions);
        // In this checkpoint the decoder is an alias of the embeddings, so its values are the embedding's.
        var expected = ConvertFixtures.ReadSafetensors(ConvertFixtures.Model("v3-MaskedLM-legacy"))["deberta.embeddings.word_embeddings.weight"].Values;
        Assert.Equal(expected, MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(decoder)).ToArray());
    }

    [Fact]
    public void Untied_decoder_missing_from_the_checkpoint_is_an_error()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = CopyUntied("v3-MaskedLM-legacy", temp);
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, temp.File("out.gguf")));
        Assert.Contains("missing tensor 'cls.predictions.decoder.weight'", e.Problem);
    }
}
