// Writes a deberta-v3-base-sized HF folder (config.json + model.safetensors, F32, ~184M parameters) filled with
// seeded N(0, 0.02) values, for measuring the converter. Usage: dotnet run make-synthetic-deberta.cs -- <folder>
using System.Text;
using System.Text.Json.Nodes;

string folder = args.Length > 0 ? args[0] : throw new ArgumentException("usage: make-synthetic-deberta.cs <folder>");
const int vocab = 128100, hidden = 768, layers = 12, ff = 3072, buckets = 256;
Directory.CreateDirectory(folder);
File.WriteAllText(Path.Combine(folder, "config.json"), new JsonObject
{
    ["architectures"] = new JsonArray("DebertaV2Model"), ["model_type"] = "deberta-v2", ["vocab_size"] = vocab,
    ["hidden_size"] = hidden, ["num_hidden_layers"] = layers, ["num_attention_heads"] = 12, ["intermediate_size"] = ff,
    ["relative_attention"] = true, ["position_buckets"] = buckets, ["max_relative_positions"] = -1,
    ["pos_att_type"] = "p2c|c2p", ["share_att_key"] = true, ["norm_rel_ebd"] = "layer_norm",
    ["position_biased_input"] = false, ["type_vocab_size"] = 0,
}.ToJsonString());

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

var header = new JsonObject();
long offset = 0;
foreach (var (name, shape) in tensors)
{
    long bytes = 4 * shape.Aggregate(1L, (a, b) => a * b);
    header[name] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["data_offsets"] = new JsonArray(offset, offset + bytes) };
    offset += bytes;
}
var random = new Random(20240601);
using var output = new BinaryWriter(new BufferedStream(File.Create(Path.Combine(folder, "model.safetensors")), 1 << 20));
var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
output.Write((ulong)headerBytes.Length);
output.Write(headerBytes);
for (long i = 0; i < offset / 4; i++)
{
    // Box-Muller: one normal value per call keeps the generator simple; speed is not the point here.
    double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
    output.Write((float)(0.02 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)));
}
Console.WriteLine($"{folder}: {tensors.Count} tensors, {offset / 4:N0} parameters, {offset:N0} bytes of F32");
