using System.Buffers.Binary;
using DebertaGgml.Gguf;
using DebertaGgml.Native;

namespace DebertaGgml.Tests.Robustness;

/// <summary>
/// Damaged model files must give a clear error from the native loader: never an abort, a crash or an
/// allocation the file does not justify. Every load here runs in this process, so a crash fails the run.
/// </summary>
public class HostileGgufTests : IDisposable
{
    readonly string _path = Path.Combine(Path.GetTempPath(), $"deberta-hostile-{Guid.NewGuid():N}.gguf");

    public void Dispose() => File.Delete(_path);

    Exception? Load(byte[] bytes)
    {
        File.WriteAllBytes(_path, bytes);
        try
        {
            using var model = ModelHandle.Load(_path, NativeMethods.deberta_model_default_params());
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    InvalidDataException Rejected(byte[] bytes)
    {
        var e = Load(bytes);
        Assert.NotNull(e);
        return Assert.IsType<InvalidDataException>(e);
    }

    [Fact]
    public void The_undamaged_file_loads() => Assert.Null(Load(HostileGguf.Valid()));

    [Fact]
    public void Truncation_at_any_point_is_rejected()
    {
        byte[] valid = HostileGguf.Valid();
        long end = HostileGguf.EndOfTensorData(valid);  // what follows is alignment padding only
        var cuts = Enumerable.Range(0, 80)
            .Concat(Enumerable.Range(0, valid.Length / 53).Select(i => i * 53))
            .Concat(Enumerable.Range(1, 64).Select(i => (int)end - i))
            .Where(n => n >= 0 && n < end)
            .Distinct();
        foreach (int length in cuts)
        {
            var e = Rejected(valid[..length]);
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"empty message at length {length}");
        }
    }

    [Fact]
    public void Random_corruption_never_crashes()
    {
        byte[] valid = HostileGguf.Valid();
        var rng = new Random(8);
        int headerEnd = HostileGguf.TensorInfoAfterName(valid, "cls.output.bias") + 64;
        for (int round = 0; round < 400; round++)
        {
            byte[] damaged = HostileGguf.Valid();
            int flips = 1 + rng.Next(8);
            for (int i = 0; i < flips; i++)
            {
                // Mostly the header, where structure lives; sometimes anywhere.
                int at = rng.Next(4) == 0 ? rng.Next(damaged.Length) : rng.Next(headerEnd);
                damaged[at] ^= (byte)(1 << rng.Next(8));
            }
            var e = Load(damaged);
            if (e != null) Assert.True(e is InvalidDataException or IOException or NotSupportedException, $"round {round}: {e.GetType()}: {e.Message}");
        }
    }

    [Theory]
    [InlineData(8, "tensor")]   // tensor count
    [InlineData(16, "key-value")] // key/value count
    public void Absurd_counts_are_rejected_without_allocating(int position, string what)
    {
        byte[] damaged = HostileGguf.Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(damaged.AsSpan(position), 1UL << 60);
        long before = GC.GetTotalAllocatedBytes();
        var e = Rejected(damaged);
        Assert.Contains(what, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 64 << 20);
    }

    [Fact]
    public void Absurd_dimension_is_rejected()
    {
        byte[] damaged = HostileGguf.Valid();
        HostileGguf.SetDimension0(damaged, "blk.0.attn_q.weight", 1UL << 40);
        Assert.Contains("blk.0.attn_q.weight", Rejected(damaged).Message);
    }

    [Fact]
    public void Data_offset_outside_the_file_is_rejected()
    {
        byte[] damaged = HostileGguf.Valid();
        HostileGguf.SetOffset(damaged, "blk.1.ffn_up.weight", (ulong)damaged.Length * 4);
        Assert.Contains("blk.1.ffn_up.weight", Rejected(damaged).Message);
    }

    [Fact]
    public void Overlapping_data_is_rejected()
    {
        byte[] damaged = HostileGguf.Valid();
        HostileGguf.SetOffset(damaged, "blk.1.attn_k.weight", HostileGguf.GetOffset(damaged, "blk.1.attn_q.weight"));
        Assert.Contains("overlap", Rejected(damaged).Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Key_of_the_wrong_type_is_rejected()
    {
        var bytes = HostileGguf.Rewrite(m => HostileGguf.Replace(m, "deberta-v2.block_count", GgufValue.Of("two")));
        Assert.Contains("deberta-v2.block_count", Rejected(bytes).Message);
    }

    [Fact]
    public void Missing_tensor_is_rejected()
    {
        var bytes = HostileGguf.Rewrite(m => m, t => t.Name != "blk.1.attn_v.weight");
        Assert.Contains("blk.1.attn_v.weight", Rejected(bytes).Message);
    }

    [Fact]
    public void Wrong_architecture_is_rejected()
    {
        var bytes = HostileGguf.Rewrite(m => HostileGguf.Replace(m, "general.architecture", GgufValue.Of("llama")));
        Assert.Contains("llama", Rejected(bytes).Message);
    }

    [Fact]
    public void Implausible_hyperparameters_are_rejected()
    {
        var bytes = HostileGguf.Rewrite(m => HostileGguf.Replace(m, "deberta-v2.attention.head_count", GgufValue.Of(5u)));
        Assert.Contains("5 heads", Rejected(bytes).Message);
    }
}
