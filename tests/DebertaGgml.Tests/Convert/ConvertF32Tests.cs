using System.Runtime.InteropServices;
using System.Text.Json;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Convert;

public class ConvertF32Tests
{
    /// <summary>HF name pieces to GGUF name pieces, written from the docs/gguf.md table (independent of TensorMap).</summary>
    private static readonly (string Hf, string Gguf)[] NameRules =
    [
        ("embeddings.word_embeddings", "token_embd"),
        ("embeddings.position_embeddings", "position_embd"),
        ("embeddings.token_type_embeddings", "token_types"),
        ("embeddings.embed_proj", "embd_proj"),
        ("embeddings.LayerNorm", "token_embd_norm"),
        ("encoder.rel_embeddings", "rel_embd"),
        ("encoder.LayerNorm", "rel_embd_norm"),
        ("encoder.conv.conv", "enc_conv"),
        ("encoder.conv.LayerNorm", "enc_conv_norm"),
        ("attention.self.query_proj", "attn_q"),
        ("attention.self.key_proj", "attn_k"),
        ("attention.self.value_proj", "attn_v"),
        ("attention.self.pos_key_proj", "attn_pos_k"),
        ("attention.self.pos_query_proj", "attn_pos_q"),
        ("attention.output.dense", "attn_output"),
        ("attention.output.LayerNorm", "attn_output_norm"),
        ("intermediate.dense", "ffn_up"),
        ("output.dense", "ffn_down"),
        ("output.LayerNorm", "layer_output_norm"),
        ("pooler.dense", "cls"),
        ("classifier", "cls.output"),
        ("qa_outputs", "cls.output"),
        ("cls.predictions.transform.dense", "mlm.dense"),
        ("cls.predictions.transform.LayerNorm", "mlm.norm"),
        ("cls.predictions.bias", "mlm.output.bias"),
        ("lm_predictions.lm_head.dense", "mlm.dense"),
        ("lm_predictions.lm_head.LayerNorm", "mlm.norm"),
        ("lm_predictions.lm_head.bias", "mlm.output.bias"),
    ];

    private static string ExpectedGgufName(string hfName)
    {
        string name = hfName.StartsWith("deberta.") ? hfName["deberta.".Length..] : hfName;
        name = System.Text.RegularExpressions.Regex.Replace(name, @"^encoder\.layer\.(\d+)\.", "blk.$1.");
        foreach (var (hf, gguf) in NameRules)
        {
            int at = name.IndexOf(hf, StringComparison.Ordinal);
            bool wholePiece = at >= 0 && (at == 0 || name[at - 1] == '.') && (at + hf.Length == name.Length || name[at + hf.Length] == '.');
            if (wholePiece) name = name[..at] + gguf + name[(at + hf.Length)..];
        }
        return name;
    }

    [Theory]
    [MemberData(nameof(ConvertFixtures.AllModels), MemberType = typeof(ConvertFixtures))]
    public void F32_output_round_trips_every_tensor_bit_exactly(string model)
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        var result = HfToGgufConverter.Convert(ConvertFixtures.Model(model), output);

        var expected = ConvertFixtures.ReadSafetensors(ConvertFixtures.Model(model));
        using var gguf = GgufFile.Open(output);
        Assert.Equal(expected.Count, gguf.Tensors.Count);
        Assert.Equal(expected.Count, result.TensorCount);
        Assert.Empty(result.Warnings);
        Assert.Equal(new FileInfo(output).Length, result.OutputBytes);
        foreach (var (hfName, (shape, values)) in expected)
        {
            var tensor = gguf.GetTensor(ExpectedGgufName(hfName));
            Assert.Equal(shape.Reverse(), tensor.Dimensions);
            Assert.Equal(GgmlType.F32, tensor.Type);
            var stored = MemoryMarshal.Cast<byte, float>(gguf.ReadTensorData(tensor)).ToArray();
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), stored.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(0, gguf.Tensors.Min(t => (long)t.Offset));
        Assert.All(gguf.Tensors, t => Assert.Equal(0UL, t.Offset % 32));
        Assert.Equal(0, gguf.DataOffset % 32);
    }

    [Theory]
    [MemberData(nameof(ConvertFixtures.AllModels), MemberType = typeof(ConvertFixtures))]
    public void Hyperparameters_and_labels_come_from_config_json(string model)
    {
        using var temp = new ConvertFixtures.TempDir();
        string output = temp.File("model.gguf");
        HfToGgufConverter.Convert(ConvertFixtures.Model(model), output);

        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ConvertFixtures.Model(model), "config.json")));
        var c = config.RootElement;
        using var gguf = GgufFile.Open(output);
        Assert.Equal("deberta-v2", gguf.GetString("general.architecture"));
        Assert.Equal(model, gguf.GetString("general.name"));
        Assert.Equal(0u, gguf.GetUInt32("general.file_type"));
        Assert.Equal((uint)c.GetProperty("hidden_size").GetInt32(), gguf.GetUInt32("deberta-v2.embedding_length"));
        Assert.Equal((uint)c.GetProperty("num_hidden_layers").GetInt32(), gguf.GetUInt32("deberta-v2.block_count"));
        Assert.Equal((uint)c.GetProperty("num_attention_heads").GetInt32(), gguf.GetUInt32("deberta-v2.attention.head_count"));
        Assert.Equal((uint)c.GetProperty("intermediate_size").GetInt32(), gguf.GetUInt32("deberta-v2.feed_forward_length"));
        Assert.Equal((uint)c.GetProperty("vocab_size").GetInt32(), gguf.GetUInt32("deberta-v2.vocab_size"));
        Assert.Equal((uint)c.GetProperty("max_position_embeddings").GetInt32(), gguf.GetUInt32("deberta-v2.context_length"));
        Assert.Equal((uint)c.GetProperty("type_vocab_size").GetInt32(), gguf.GetUInt32("deberta-v2.type_vocab_size"));
        Assert.Equal((float)c.GetProperty("layer_norm_eps").GetDouble(), gguf.GetFloat32("deberta-v2.attention.layer_norm_epsilon"));
        Assert.Equal(c.GetProperty("relative_attention").GetBoolean(), gguf.GetBool("deberta-v2.relative_attention"));
        Assert.Equal(c.GetProperty("position_biased_input").GetBoolean(), gguf.GetBool("deberta-v2.position_biased_input"));
        Assert.False(gguf.GetBool("deberta-v2.attention.causal"));

        string architecture = c.GetProperty("architectures")[0].GetString()!;
        Assert.Equal(architecture, gguf.GetString("deberta-v2.hf_architecture"));
        string expectedHead = architecture["DebertaV2".Length..] switch
        {
            "Model" => "none",
            "ForSequenceClassification" => "sequence_classification",
            "ForTokenClassification" => "token_classification",
            "ForQuestionAnswering" => "question_answering",
            "ForMultipleChoice" => "multiple_choice",
            "ForMaskedLM" => "masked_lm",
            var other => throw new InvalidOperationException(other),
        };
        Assert.Equal(expectedHead, gguf.GetString("deberta-v2.head"));
        Assert.Equal(expectedHead is "sequence_classification" or "multiple_choice" ? 2u : 0u, gguf.GetUInt32("deberta-v2.pooling_type"));

        var id2label = c.GetProperty("id2label").EnumerateObject().OrderBy(p => int.Parse(p.Name)).Select(p => p.Value.GetString()).ToArray();
        if (expectedHead is "sequence_classification" or "token_classification")
            Assert.Equal(id2label, gguf.GetArray<string>("deberta-v2.classifier.output_labels"));
        else
            Assert.False(gguf.TryGet("deberta-v2.classifier.output_labels", out _));

        var posAtt = c.GetProperty("pos_att_type");
        string[] expectedPosAtt = posAtt.ValueKind switch
        {
            JsonValueKind.String => posAtt.GetString()!.Split('|'),
            JsonValueKind.Array => posAtt.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => [],
        };
        Assert.Equal(expectedPosAtt, gguf.GetArray<string>("deberta-v2.pos_att_type"));
        string problemType = c.TryGetProperty("problem_type", out var p) ? p.GetString()! : "";
        Assert.Equal(problemType, gguf.GetString("deberta-v2.problem_type"));
    }
}
