using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;

namespace DebertaGgml.Benchmarks;

/// <summary>
/// Per-call cost of the model API on the bundled demo model (docs/BENCHMARKS.md, issue 17): <see cref="DebertaModel.Evaluate"/>
/// of a 1x16 batch, and <see cref="DebertaModel.Classify(string, ClassifyOptions?, CancellationToken)"/> of a short text
/// (tokenization, evaluation, scores). MemoryDiagnoser shows what each call allocates: Evaluate only its results.
/// </summary>
[ShortRunJob(RuntimeMoniker.Net10_0)]
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private const string Text = "Wie spät ist es?";
    private DebertaModel _model = null!;
    private ModelInput _input = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = DebertaModel.Load(Path.Combine(RepoPaths.Root, "models", "langid-q8_0.gguf"),
            new DebertaModelOptions { MaxBatch = 1, MaxConcurrency = 1 });
        const int tokens = 16;
        var ids = new int[tokens];
        var tokenizer = _model.Tokenizer;
        var random = new Random(1234);
        for (int t = 0; t < tokens; t++) ids[t] = random.Next(5, tokenizer.VocabularySize);
        ids[0] = tokenizer.ClsId;
        ids[^1] = tokenizer.SepId;
        _input = new ModelInput(ids, Enumerable.Repeat(1, tokens).ToArray(), null, 1, tokens);
        Console.WriteLine($"// Evaluate 1x{tokens} on {_model.ThreadsFor(1, tokens)} thread(s); Classify(\"{Text}\") = {Classify().Top.Label}");
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public ModelOutput Evaluate() => _model.Evaluate(_input);

    [Benchmark]
    public ClassificationResult Classify() => _model.Classify(Text);
}
