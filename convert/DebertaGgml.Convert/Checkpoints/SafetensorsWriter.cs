using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>
/// Writes F32 .safetensors files, the layout <see cref="SafetensorsFile"/> reads: made for synthetic checkpoints
/// (tests, bench), whose tensors are generated in chunks so a large one never has to be in memory at once.
/// </summary>
public static class SafetensorsWriter
{
    private const int ChunkElements = 1 << 20;

    /// <summary>
    /// Writes <paramref name="tensors"/> in the given order through a temporary file; <paramref name="fill"/> gets
    /// (tensor name, index of the chunk's first element, the chunk to fill) and is called in order for each tensor.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, long[] Shape)> tensors, Action<string, long, Span<float>> fill)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = ElementCount(shape) * 4;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the data starts 8-byte aligned; the header is padded with spaces
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
            stream.Write(prefix);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            var chunk = new float[ChunkElements];
            foreach (var (name, shape) in tensors)
            {
                long count = ElementCount(shape);
                for (long start = 0; start < count; start += chunk.Length)
                {
                    var span = chunk.AsSpan(0, (int)Math.Min(chunk.Length, count - start));
                    fill(name, start, span);
                    stream.Write(MemoryMarshal.AsBytes(span));
                }
            }
        });
    }

    private static long ElementCount(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
