namespace DebertaGgml.Bench;

/// <summary>Our engine through the public managed API, exactly as a user would call it.</summary>
public sealed class GgmlEngine : IBenchEngine
{
    readonly DebertaModel _model;

    public string Name { get; }

    public GgmlEngine(string ggufPath, string name, int threads, int maxBatch, int maxTokens)
    {
        Name = name;
        _model = DebertaModel.Load(ggufPath, new DebertaModelOptions
        {
            Threads = threads,
            MaxBatch = maxBatch,
            MaxSequenceLength = maxTokens,
            MaxConcurrency = 1,
        });
    }

    public float[] Run(BenchInput input) =>
        _model.Evaluate(new ModelInput(input.InputIds, input.AttentionMask, null, input.Batch, input.Tokens)).Logits
        ?? throw new InvalidOperationException($"{Name}: the model returned no logits");

    public void Dispose() => _model.Dispose();
}
