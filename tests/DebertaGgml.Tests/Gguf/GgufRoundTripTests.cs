using DebertaGgml.Convert;
using System.Buffers.Binary;
using System.Text;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.Gguf;

public class GgufRoundTripTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deberta-gguf-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteSample(out byte[] tensorA, out byte[] tensorB)
    {
        var writer = new GgufWriter();
        writer.Set("general.architecture", GgufValue.Of("deberta-v2"));
        writer.Set("test.u32", GgufValue.Of(7u));
        writer.Set("test.i32", GgufValue.Of(-3));
        writer.Set("test.f32", GgufValue.Of(1e-7f));
        writer.Set("test.bool", GgufValue.Of(true));
        writer.Set("test.strings", GgufValue.Of(["[PAD]", "▁the", "日本"]));
        writer.Set("test.floats", GgufValue.Of([0f, -1.5f]));
        writer.Set("test.ints", GgufValue.Of([1, 6]));
        writer.Set("test.bytes", GgufValue.Of(new byte[] { 0, 255, 7 }));
        writer.Set("test.u64", new GgufValue(GgufValueType.UInt64, 1UL << 40));
        writer.Set("test.f64", new GgufValue(GgufValueType.Float64, Math.PI));
        writer.AddTensor("a", [3, 2], GgmlType.F32);
        writer.AddTensor("b", [32, 2], GgmlType.Q8_0);
        tensorA = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();
        tensorB = Enumerable.Range(0, 68).Select(i => (byte)(200 - i)).ToArray();
        string path = Path.Combine(_dir, "sample.gguf");
        using (var stream = File.Create(path))
        {
            writer.WriteHeader(stream);
            writer.WriteTensorData(tensorA.AsSpan(0, 10));
            writer.WriteTensorData(tensorA.AsSpan(10));
            writer.WriteTensorData(tensorB);
            writer.Complete();
        }
        return path;
    }

    [Fact]
    public void Metadata_and_tensors_round_trip()
    {
        string path = WriteSample(out var a, out var b);
        using var file = GgufFile.Open(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal("deberta-v2", file.GetString("general.architecture"));
        Assert.Equal(7u, file.GetUInt32("test.u32"));
        Assert.Equal(-3, file.GetInt32("test.i32"));
        Assert.Equal(1e-7f, file.GetFloat32("test.f32"));
        Assert.True(file.GetBool("test.bool"));
        Assert.Equal(["[PAD]", "▁the", "日本"], file.GetArray<string>("test.strings"));
        Assert.Equal([0f, -1.5f], file.GetArray<float>("test.floats"));
        Assert.Equal([1, 6], file.GetArray<int>("test.ints"));
        Assert.Equal(new byte[] { 0, 255, 7 }, file.GetArray<byte>("test.bytes"));
        Assert.Equal(1UL << 40, (ulong)file.Get("test.u64").Value);
        Assert.Equal(Math.PI, (double)file.Get("test.f64").Value);
        Assert.Equal(["general.architecture", "test.u32", "test.i32"], file.Metadata.Take(3).Select(kv => kv.Key));

        var ta = file.GetTensor("a");
        var tb = file.GetTensor("b");
        Assert.Equal([3L, 2L], ta.Dimensions);
        Assert.Equal(GgmlType.Q8_0, tb.Type);
        Assert.Equal(68, tb.ByteSize);
        Assert.Equal(32UL, tb.Offset); // 24 bytes of "a" padded to the 32-byte alignment
        Assert.Equal(a, file.ReadTensorData(ta));
        Assert.Equal(b, file.ReadTensorData(tb));
        Assert.Equal(0, file.DataOffset % 32);
        Assert.Equal(file.DataOffset + 32 + 68 + 28, file.FileLength);
    }

    [Fact]
    public void Wrong_value_type_is_reported_with_the_key()
    {
        using var file = GgufFile.Open(WriteSample(out _, out _));
        var e = Assert.Throws<InvalidDataException>(() => file.GetString("test.u32"));
        Assert.Contains("test.u32", e.Message);
    }

    [Fact]
    public void Writer_refuses_missing_or_excess_tensor_data()
    {
        var writer = new GgufWriter();
        writer.AddTensor("a", [4], GgmlType.F32);
        using var stream = new MemoryStream();
        writer.WriteHeader(stream);
        writer.WriteTensorData(new byte[8]);
        Assert.Contains("'a'", Assert.Throws<InvalidOperationException>(writer.Complete).Message);
        Assert.Throws<InvalidOperationException>(() => writer.WriteTensorData(new byte[9]));
    }

    [Fact]
    public void Truncated_file_is_rejected_naming_the_file()
    {
        string path = WriteSample(out _, out _);
        var bytes = File.ReadAllBytes(path);
        foreach (int length in new[] { 3, 20, 100, bytes.Length - 29 }) // the last cut loses one byte of tensor "b" (28 bytes of padding follow it)
        {
            string cut = Path.Combine(_dir, $"cut{length}.gguf");
            File.WriteAllBytes(cut, bytes[..length]);
            var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(cut));
            Assert.Contains(cut, e.Message);
        }
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        string path = WriteSample(out _, out _);
        var bytes = File.ReadAllBytes(path);
        // Tensor "b" is the last tensor info; its offset (32) is the header's last 8 bytes before the padding.
        int at = bytes.AsSpan().LastIndexOf("b"u8) + 1 + 4 + 16 + 4;
        Assert.Equal(32UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), 0);
        string bad = Path.Combine(_dir, "overlap.gguf");
        File.WriteAllBytes(bad, bytes);
        Assert.Contains("overlap", Assert.Throws<InvalidDataException>(() => GgufFile.Open(bad)).Message);
    }

    [Fact]
    public void Absurd_counts_and_lengths_are_rejected_before_allocating()
    {
        string path = WriteSample(out _, out _);
        var bytes = File.ReadAllBytes(path);
        var hugeTensorCount = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeTensorCount.AsSpan(8), ulong.MaxValue / 2);
        var hugeKeyLength = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(hugeKeyLength.AsSpan(24), 1UL << 50);
        var badMagic = (byte[])bytes.Clone();
        Encoding.ASCII.GetBytes("GGML").CopyTo(badMagic, 0);
        foreach (var (name, content, expected) in new[] { ("count", hugeTensorCount, "tensor count"), ("key", hugeKeyLength, "string length"), ("magic", badMagic, "magic") })
        {
            string bad = Path.Combine(_dir, name + ".gguf");
            File.WriteAllBytes(bad, content);
            var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(bad));
            Assert.Contains(expected, e.Message);
        }
    }
}
