using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Convert;

/// <summary>Fixture locations and the fixtures' HF tensors (the expected side of round-trip checks).</summary>
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
        var result = new Dictionary<string, (long[], float[])>();
        foreach (var path in Directory.GetFiles(folder, "*.safetensors"))
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var tensor in file.Tensors.Values)
                result[tensor.Name] = (tensor.Shape, file.ReadAll(tensor.Name));
        }
        return result;
    }
}
