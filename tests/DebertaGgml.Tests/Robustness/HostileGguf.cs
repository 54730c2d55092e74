using DebertaGgml.Convert;
using System.Buffers.Binary;
using System.Text;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Robustness;

/// <summary>Builds valid GGUF files from the fixtures and damages them in precise ways.</summary>
internal static class HostileGguf
{
    static readonly Lazy<byte[]> ValidBytes = new(() => File.ReadAllBytes(ConvertedModels.Get("v3-SequenceClassification")));

    /// <summary>A valid F32 GGUF of the v3 sequence-classification fixture.</summary>
    public static byte[] Valid() => (byte[])ValidBytes.Value.Clone();

    /// <summary>File position just past the last tensor's bytes.</summary>
    public static long EndOfTensorData(byte[] gguf)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, gguf);
            using var file = GgufFile.Open(path);
            return file.DataOffset + file.Tensors.Max(t => (long)t.Offset + t.ByteSize);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Position of a tensor's info record (just after its name) in the header.</summary>
    public static int TensorInfoAfterName(byte[] gguf, string tensorName)
    {
        byte[] name = Encoding.UTF8.GetBytes(tensorName);
        var pattern = new byte[8 + name.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(pattern, (ulong)name.Length);
        name.CopyTo(pattern, 8);
        int at = gguf.AsSpan().IndexOf(pattern);
        if (at < 0) throw new InvalidOperationException($"tensor {tensorName} not in header");
        return at + pattern.Length;
    }

    /// <summary>Overwrites a tensor's first dimension.</summary>
    public static void SetDimension0(byte[] gguf, string tensorName, ulong value)
    {
        int at = TensorInfoAfterName(gguf, tensorName);
        BinaryPrimitives.WriteUInt64LittleEndian(gguf.AsSpan(at + 4), value);
    }

    /// <summary>Reads and overwrites a tensor's data offset (relative to the data section).</summary>
    public static ulong GetOffset(byte[] gguf, string tensorName) =>
        BinaryPrimitives.ReadUInt64LittleEndian(gguf.AsSpan(OffsetPosition(gguf, tensorName)));

    public static void SetOffset(byte[] gguf, string tensorName, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(gguf.AsSpan(OffsetPosition(gguf, tensorName)), value);

    static int OffsetPosition(byte[] gguf, string tensorName)
    {
        int at = TensorInfoAfterName(gguf, tensorName);
        uint nDims = BinaryPrimitives.ReadUInt32LittleEndian(gguf.AsSpan(at));
        return at + 4 + 8 * (int)nDims + 4;
    }

    /// <summary>Rewrites the valid file through the GGUF writer with metadata and tensors edited.</summary>
    public static byte[] Rewrite(Func<List<KeyValuePair<string, GgufValue>>, List<KeyValuePair<string, GgufValue>>> metadata,
                                 Func<GgufTensorInfo, bool>? keepTensor = null)
    {
        string src = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(src, ValidBytes.Value);
            using var file = GgufFile.Open(src);
            var writer = new GgufWriter();
            foreach (var (key, value) in metadata(file.Metadata.ToList())) writer.Set(key, value);
            var kept = file.Tensors.Where(t => keepTensor?.Invoke(t) ?? true).ToList();
            foreach (var t in kept) writer.AddTensor(t.Name, t.Dimensions, t.Type);
            using var output = new MemoryStream();
            writer.WriteHeader(output);
            foreach (var t in kept) writer.WriteTensorData(file.ReadTensorData(t));
            writer.Complete();
            return output.ToArray();
        }
        finally
        {
            File.Delete(src);
        }
    }

    public static List<KeyValuePair<string, GgufValue>> Replace(List<KeyValuePair<string, GgufValue>> metadata, string key, GgufValue value)
    {
        int i = metadata.FindIndex(kv => kv.Key == key);
        if (i < 0) throw new InvalidOperationException($"key {key} not in the file");
        metadata[i] = new(key, value);
        return metadata;
    }
}
