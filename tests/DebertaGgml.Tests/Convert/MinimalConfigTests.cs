using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using DebertaGgml.Bench;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Convert;

public class MinimalConfigTests
{
    /// <summary>
    /// A config with only the sizes: HF's defaults give absolute positions (position_biased_input true), no relative
    /// attention, no token types, no architectures (so the head is inferred from the tensors: none). The embedding has
    /// more than one conversion chunk of elements, so streaming across chunks is checked bit for bit.
    /// </summary>
    [Fact]
    public void Minimal_config_uses_hf_defaults_and_large_tensors_stream_exactly()
    {
        using var temp = new ConvertFixtures.TempDir();
        string folder = temp.File("minimal");
        const int vocab = 140_000, hidden = 32, ff = 64;
        var config = new JsonObject
        {
            ["model_type"] = "deberta-v2", ["vocab_size"] = vocab, ["hidden_size"] = hidden,
            ["num_hidden_layers"] = 1, ["num_attention_heads"] = 4, ["intermediate_size"] = ff,
        };
        (string, long[])[] tensors =
        [
            ("embeddings.word_embeddings.weight", [vocab, hidden]), ("embeddings.position_embeddings.weight", [512, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
            .. new[] { "attention.self.query_proj", "attention.self.key_proj", "attention.self.value_proj", "attention.output.dense" }
                .SelectMany(n => new (string, long[])[] { ($"encoder.layer.0.{n}.weight", [hidden, hidden]), ($"encoder.layer.0.{n}.bias", [hidden]) }),
            ("encoder.layer.0.attention.output.LayerNorm.weight", [hidden]), ("encoder.layer.0.attention.output.LayerNorm.bias", [hidden]),
            ("encoder.layer.0.intermediate.dense.weight", [ff, hidden]), ("encoder.layer.0.intermediate.dense.bias", [ff]),
            ("encoder.layer.0.output.dense.weight", [hidden, ff]), ("encoder.layer.0.output.dense.bias", [hidden]),
            ("encoder.layer.0.output.LayerNorm.weight", [hidden]), ("encoder.layer.0.output.LayerNorm.bias", [hidden]),
        ];
        SyntheticCheckpoint.Write(folder, config, tensors, seed: 7);
        var values = ConvertFixtures.ReadSafetensors(folder).ToDictionary(kv => kv.Key, kv => kv.Value.Values);
        File.Copy(Repo.Fixtures("tokenizer", "spm.model"), Path.Combine(folder, "spm.model"));

        string output = temp.File("minimal.gguf");
        var result = HfToGgufConverter.Convert(folder, output);
        Assert.Equal(tensors.Length, result.TensorCount);
        using var gguf = GgufFile.Open(output);
        Assert.Equal("none", gguf.GetString("deberta-v2.head"));
        Assert.Equal("DebertaV2Model", gguf.GetString("deberta-v2.hf_architecture"));
        Assert.True(gguf.GetBool("deberta-v2.position_biased_input"));
        Assert.False(gguf.GetBool("deberta-v2.relative_attention"));
        Assert.Equal(0u, gguf.GetUInt32("deberta-v2.type_vocab_size"));
        Assert.Equal(1e-7f, gguf.GetFloat32("deberta-v2.attention.layer_norm_epsilon"));
        Assert.Equal(512u, gguf.GetUInt32("deberta-v2.context_length"));
        Assert.Equal(-1, gguf.GetInt32("deberta-v2.max_relative_positions"));
        Assert.Equal(-1, gguf.GetInt32("deberta-v2.position_buckets"));
        Assert.Equal("gelu", gguf.GetString("deberta-v2.hidden_act"));
        Assert.Equal("none", gguf.GetString("deberta-v2.norm_rel_ebd"));
        Assert.Empty(gguf.GetArray<string>("deberta-v2.pos_att_type"));
        Assert.Equal((uint)hidden, gguf.GetUInt32("deberta-v2.embedding_size"));
        Assert.Equal((uint)hidden, gguf.GetUInt32("deberta-v2.pooler_hidden_size"));

        var embedding = MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(gguf.GetTensor("token_embd.weight"))).ToArray();
        Assert.True(values["embeddings.word_embeddings.weight"].AsSpan().SequenceEqual(embedding));
        var positions = MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(gguf.GetTensor("position_embd.weight"))).ToArray();
        Assert.True(values["embeddings.position_embeddings.weight"].AsSpan().SequenceEqual(positions));

        string q8 = temp.File("minimal-q8.gguf");
        HfToGgufConverter.Convert(folder, q8, new ConvertOptions { Type = GgmlType.Q8_0 });
        using var quantized = GgufFile.Open(q8);
        var tensor = quantized.GetTensor("token_embd.weight");
        var decoded = new float[tensor.ElementCount];
        TensorEncoder.Decode(tensor.Type, quantized.ReadTensorData(tensor), decoded);
        var original = values["embeddings.word_embeddings.weight"];
        Assert.All(Enumerable.Range(0, vocab).Where(r => r % 9973 == 0), row => // spot rows across every chunk
        {
            // Q8_0: blocks of 32 share the step max|x|/127; rounding errs by half a step, and the step's F16 storage
            // (relative error 2^-11, times |q| <= 127) by 0.062 steps more.
            for (int block = row * hidden; block < (row + 1) * hidden; block += 32)
            {
                double step = original.AsSpan(block, 32).ToArray().Max(Math.Abs) / 127;
                for (int i = block; i < block + 32; i++) Assert.InRange(decoded[i] - original[i], -0.57 * step, 0.57 * step);
            }
        });
    }
}
