// Writes a deberta-v3-base-sized HF folder (config.json + model.safetensors, F32, ~184M parameters, and the
// fixtures' spm.model) with seeded values at trained-model scales (the bench's SyntheticCheckpoint, the one generator
// of tests and bench), for measuring the converter and the accuracy of quantized types.
// Usage, from the repository root: dotnet run tests/tools/make-synthetic-deberta.cs -- <folder> [--labels N]
// Without --labels: DebertaV2Model; with it: DebertaV2ForSequenceClassification with N labels (pooler + classifier).
#:project ../../bench/DebertaGgml.Bench/DebertaGgml.Bench.csproj
using System.Text.Json.Nodes;
using DebertaGgml.Bench;

string folder = args.Length > 0 ? args[0] : throw new ArgumentException("usage: make-synthetic-deberta.cs <folder> [--labels N]");
int labels = args.Length == 3 && args[1] == "--labels" ? int.Parse(args[2])
    : args.Length == 1 ? 0 : throw new ArgumentException("usage: make-synthetic-deberta.cs <folder> [--labels N]");
const int vocab = 128100, hidden = 768, layers = 12, ff = 3072, buckets = 256;
Directory.CreateDirectory(folder);
var config = new JsonObject
{
    ["architectures"] = new JsonArray(labels > 0 ? "DebertaV2ForSequenceClassification" : "DebertaV2Model"),
    ["model_type"] = "deberta-v2", ["vocab_size"] = vocab,
    ["hidden_size"] = hidden, ["num_hidden_layers"] = layers, ["num_attention_heads"] = 12, ["intermediate_size"] = ff,
    ["relative_attention"] = true, ["position_buckets"] = buckets, ["max_relative_positions"] = -1,
    ["pos_att_type"] = "p2c|c2p", ["share_att_key"] = true, ["norm_rel_ebd"] = "layer_norm",
    ["position_biased_input"] = false, ["type_vocab_size"] = 0,
};
if (labels > 0)
{
    config["pooler_hidden_size"] = hidden;
    config["id2label"] = new JsonObject(Enumerable.Range(0, labels).Select(i => KeyValuePair.Create(i.ToString(), (JsonNode?)$"LABEL_{i}")));
    config["label2id"] = new JsonObject(Enumerable.Range(0, labels).Select(i => KeyValuePair.Create($"LABEL_{i}", (JsonNode?)i)));
}
File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
File.Copy(Path.Combine("tests", "fixtures", "tokenizer", "spm.model"), Path.Combine(folder, "spm.model"), overwrite: true);

var tensors = new List<(string Name, long[] Shape)>
{
    ("embeddings.word_embeddings.weight", [vocab, hidden]), ("embeddings.LayerNorm.weight", [hidden]), ("embeddings.LayerNorm.bias", [hidden]),
    ("encoder.rel_embeddings.weight", [2 * buckets, hidden]), ("encoder.LayerNorm.weight", [hidden]), ("encoder.LayerNorm.bias", [hidden]),
};
for (int n = 0; n < layers; n++)
{
    foreach (var (name, shape) in new (string, long[])[]
    {
        ("attention.self.query_proj", [hidden, hidden]), ("attention.self.key_proj", [hidden, hidden]),
        ("attention.self.value_proj", [hidden, hidden]), ("attention.output.dense", [hidden, hidden]),
        ("intermediate.dense", [ff, hidden]), ("output.dense", [hidden, ff]),
    })
    {
        tensors.Add(($"encoder.layer.{n}.{name}.weight", shape));
        tensors.Add(($"encoder.layer.{n}.{name}.bias", [shape[0]]));
    }
    foreach (var norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
    {
        tensors.Add(($"encoder.layer.{n}.{norm}.weight", [hidden]));
        tensors.Add(($"encoder.layer.{n}.{norm}.bias", [hidden]));
    }
}
if (labels > 0)
{
    tensors.Add(("pooler.dense.weight", [hidden, hidden]));
    tensors.Add(("pooler.dense.bias", [hidden]));
    tensors.Add(("classifier.weight", [labels, hidden]));
    tensors.Add(("classifier.bias", [labels]));
}
// A task model keeps the encoder under "deberta." and its head at the top level, as HF saves it.
var named = tensors.Select(t => (labels == 0 || t.Name.StartsWith("pooler.") || t.Name.StartsWith("classifier.") ? t.Name : "deberta." + t.Name, t.Shape)).ToList();
SyntheticCheckpoint.Write(folder, config, named, seed: 20240601);
long parameters = tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
Console.WriteLine($"{folder}: {tensors.Count} tensors, {parameters:N0} parameters, {4 * parameters:N0} bytes of F32");
