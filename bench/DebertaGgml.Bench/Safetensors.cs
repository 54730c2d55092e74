using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DebertaGgml.Bench;

/// <summary>A float32 tensor inside a safetensors file: absolute byte range and shape.</summary>
public sealed record SafetensorsEntry(string Name, long[] Shape, long Offset, long Length);

/// <summary>
/// Minimal safetensors support for the benchmark: the synthetic checkpoint is written as F32 and read back
/// by the ONNX weight filler. (The converter has its own full reader; this keeps the bench independent of it.)
/// </summary>
public static class Safetensors
{
    /// <summary>Writes tensors in the given order; each tensor's values come from <c>fill</c> in chunks.</summary>
    public static void Write(string path, IReadOnlyList<(string Name, long[] Shape)> tensors,
                             Action<string, long, Span<float>> fill)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            long bytes = shape.Aggregate(1L, (a, b) => a * b) * 4;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // data starts 8-byte aligned, header padded with spaces
        AtomicWrite(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
            stream.Write(prefix);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            var chunk = new float[1 << 20];
            foreach (var (name, shape) in tensors)
            {
                long count = shape.Aggregate(1L, (a, b) => a * b);
                for (long start = 0; start < count; start += chunk.Length)
                {
                    var span = chunk.AsSpan(0, (int)Math.Min(chunk.Length, count - start));
                    fill(name, start, span);
                    stream.Write(MemoryMarshal.AsBytes(span));
                }
            }
        });
    }

    /// <summary>Reads the header of a safetensors file; every tensor must be F32.</summary>
    public static IReadOnlyDictionary<string, SafetensorsEntry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.Read(prefix) != 8) throw new InvalidDataException($"{path}: too short for a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > 100_000_000 || (long)headerLength + 8 > stream.Length)
            throw new InvalidDataException($"{path}: header length {headerLength} is out of range");
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{path}: header is not a JSON object");
        long dataStart = 8 + (long)headerLength;
        var result = new Dictionary<string, SafetensorsEntry>();
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__") continue;
            string dtype = (string?)node?["dtype"] ?? "";
            if (dtype != "F32") throw new InvalidDataException($"{path}: tensor '{name}' is {dtype}; the bench reads only F32");
            long[] shape = node!["shape"]!.Deserialize<long[]>()!;
            long[] range = node["data_offsets"]!.Deserialize<long[]>()!;
            long length = range[1] - range[0];
            if (length != shape.Aggregate(1L, (a, b) => a * b) * 4 || dataStart + range[1] > stream.Length)
                throw new InvalidDataException($"{path}: tensor '{name}' has an inconsistent byte range");
            result[name] = new SafetensorsEntry(name, shape, dataStart + range[0], length);
        }
        return result;
    }

    /// <summary>Writes a file through a temporary name, so a failure never leaves a half-written file behind.</summary>
    public static void AtomicWrite(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                write(stream);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
