using System.Text;
using System.Text.Json.Nodes;

namespace DebertaGgml.Tests.Convert;

/// <summary>Writes a model folder (config.json + model.safetensors) with seeded random F32 tensors.</summary>
internal static class SyntheticCheckpoint
{
    public static Dictionary<string, float[]> Write(string folder, JsonObject config, IEnumerable<(string Name, long[] Shape)> tensors, int seed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        var random = new Random(seed);
        var values = tensors.ToDictionary(t => t.Name, t =>
        {
            var data = new float[t.Shape.Aggregate(1L, (a, b) => a * b)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
            return (t.Shape, data);
        });
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, (shape, data)) in values)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4L * data.Length),
            };
            offset += 4L * data.Length;
        }
        using var stream = new BinaryWriter(File.Create(Path.Combine(folder, "model.safetensors")));
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        stream.Write((ulong)headerBytes.Length);
        stream.Write(headerBytes);
        foreach (var (_, data) in values.Values)
            foreach (float v in data) stream.Write(v);
        return values.ToDictionary(kv => kv.Key, kv => kv.Value.data);
    }
}
