using System.Collections.Concurrent;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Tests.TestSupport;

/// <summary>Model folders converted once per test run (per weight type) into a temporary folder.</summary>
public static class ConvertedModels
{
    static readonly string Dir = Directory.CreateTempSubdirectory("deberta-test-models-").FullName;
    static readonly ConcurrentDictionary<(string Folder, GgmlType Type), Lazy<string>> Cache = new();
    static int _count;

    static ConvertedModels() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    };

    /// <summary>A folder of tests/fixtures/models converted to type.</summary>
    public static string Get(string fixture, GgmlType type = GgmlType.F32) => FromFolder(Repo.Fixtures("models", fixture), type);

    /// <summary>Any HF model folder converted to type.</summary>
    public static string FromFolder(string folder, GgmlType type = GgmlType.F32) =>
        Cache.GetOrAdd((Path.GetFullPath(folder), type), key => new Lazy<string>(() =>
        {
            string path = Path.Combine(Dir, $"{Path.GetFileName(key.Folder)}-{Interlocked.Increment(ref _count)}.{key.Type}.gguf");
            HfToGgufConverter.Convert(key.Folder, path, new ConvertOptions { Type = key.Type });
            return path;
        })).Value;
}
