using System.Diagnostics;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;

namespace DebertaGgml.Bench;

/// <summary>One model size, ready to run: the synthetic HF checkpoint, the filled ONNX graph, its int8 form and our GGUF files.</summary>
public sealed record PreparedModel(string Name, PeerManifest Manifest, string HfFolder, string OnnxPath, string OnnxInt8Path,
                                   IReadOnlyDictionary<GgmlType, string> Gguf)
{
    /// <summary>Pieces of the fixture tokenizer: random ids are drawn below this.</summary>
    public const int TokenizerVocab = 2000;

    /// <summary>
    /// Generates whatever is missing or stale: each step is skipped when its output is newer than its inputs
    /// (a GGUF is also redone when the converter was rebuilt after it).
    /// </summary>
    public static PreparedModel Ensure(string name, IEnumerable<GgmlType> types, int seed, TextWriter log)
    {
        var manifest = PeerManifest.Load(BenchPaths.PeerFolder(name));
        string folder = BenchPaths.ModelFolder(name);
        var clock = Stopwatch.StartNew();
        string hf = SyntheticCheckpoint.Ensure(manifest, Path.Combine(folder, "hf"), seed, BenchPaths.TokenizerFolder);
        string weights = Path.Combine(hf, SyntheticCheckpoint.WeightsFile);
        log.WriteLine($"[{name}] checkpoint {hf} ({clock.Elapsed.TotalSeconds:F1} s)");
        string onnx = OnnxWeightFiller.Ensure(manifest, weights, Path.Combine(folder, "onnx"));
        log.WriteLine($"[{name}] onnx {onnx} ({clock.Elapsed.TotalSeconds:F1} s)");
        string onnxInt8 = OnnxInt8Model.Ensure(onnx);
        log.WriteLine($"[{name}] onnx int8 {onnxInt8} ({clock.Elapsed.TotalSeconds:F1} s)");
        var gguf = new Dictionary<GgmlType, string>();
        foreach (var type in types)
        {
            string path = Path.Combine(folder, $"{name}-{GgmlTypes.Name(type)}.gguf");
            if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) < File.GetLastWriteTimeUtc(weights)
                || File.GetLastWriteTimeUtc(path) < File.GetLastWriteTimeUtc(typeof(HfToGgufConverter).Assembly.Location))
                HfToGgufConverter.Convert(hf, path, new ConvertOptions { Type = type, Name = $"synthetic-deberta-v3-{name}" });
            gguf[type] = path;
            log.WriteLine($"[{name}] gguf {path} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        return new PreparedModel(name, manifest, hf, onnx, onnxInt8, gguf);
    }
}
