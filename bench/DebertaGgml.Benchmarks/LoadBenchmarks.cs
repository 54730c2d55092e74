using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;

namespace DebertaGgml.Benchmarks;

/// <summary>
/// A warm <see cref="DebertaModel.Load"/> (file in the page cache, native library already started), as an app that
/// reloads a model pays it (docs/BENCHMARKS.md, issue 17: demo <= 10 ms, base Q8_0 <= 60 ms). The base
/// model is the bench's synthetic one (`DebertaGgml.Bench -- prepare --models base --types Q8_0`); without it only the
/// demo runs.
/// </summary>
[ShortRunJob(RuntimeMoniker.Net10_0)]
[MemoryDiagnoser]
public class LoadBenchmarks
{
    /// <summary>The models to load, by the name the table shows.</summary>
    public static IEnumerable<string> Models()
    {
        yield return "demo";
        if (File.Exists(PathOf("base-q8_0"))) yield return "base-q8_0";
    }

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "demo";

    static string PathOf(string model) => model == "demo"
        ? Path.Combine(RepoPaths.Root, "models", "langid-q8_0.gguf")
        : Path.Combine(RepoPaths.Root, "artifacts", "bench", "base", $"{model}.gguf");

    private DebertaModel? _loaded;

    // Dispose (freeing the packed pages) is not part of a load: each iteration loads once and is cleaned up after.
    [Benchmark]
    public int Load()
    {
        _loaded = DebertaModel.Load(PathOf(Model));
        return _loaded.Info.NumLabels;
    }

    [IterationCleanup]
    public void Dispose() => _loaded?.Dispose();
}
