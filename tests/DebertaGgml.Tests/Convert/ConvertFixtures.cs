using System.Buffers.Binary;
using System.Text.Json;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Convert;

/// <summary>Fixture locations and an independent reading of HF safetensors (the expected side of round-trip checks).</summary>
internal static class ConvertFixtures
{
    public static string ModelsDir => Repo.Fixtures("models");

    public static IEnumerable<string> ModelNames =>
        Directory.GetDirectories(ModelsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static TheoryData<string> AllModels => new(ModelNames);

    public static string Model(string name) => Path.Combine(ModelsDir, name);

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("deberta-convert-test-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    /// <summary>Copies a fixture folder so a test can alter it.</summary>
    public static string CopyModel(string name, TempDir temp)
    {
        string target = Path.Combine(temp.Path, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Model(name)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    /// <summary>Every tensor of a model folder's safetensors file(s): name -> (shape, float32 values).</summary>
    public static Dictionary<string, (long[] Shape, float[] Values)> ReadSafetensors(string folder)
    {
        var files = Directory.GetFiles(folder, "*.safetensors");
        var result = new Dictionary<string, (long[], float[])>();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
            foreach (var entry in header.RootElement.EnumerateObject().Where(e => e.Name != "__metadata__"))
            {
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => (int)e.GetInt64()).ToArray();
                var data = bytes.AsSpan(8 + (int)headerLength + offsets[0], offsets[1] - offsets[0]);
                string dtype = entry.Value.GetProperty("dtype").GetString()!;
                result[entry.Name] = (shape, Decode(dtype, data));
            }
        }
        return result;
    }

    private static float[] Decode(string dtype, ReadOnlySpan<byte> data)
    {
        int width = dtype == "F32" ? 4 : 2;
        var values = new float[data.Length / width];
        for (int i = 0; i < values.Length; i++)
        {
            var bytes = data[(width * i)..];
            values[i] = dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(bytes),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes),
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes) << 16),
                _ => throw new NotSupportedException(dtype),
            };
        }
        return values;
    }
}
