namespace DebertaGgml.Bench;

/// <summary>An inference engine under test: loads one model and computes sequence-classification logits.</summary>
public interface IBenchEngine : IDisposable
{
    /// <summary>Label in reports, e.g. "ggml Q8_0" or "ORT fp32".</summary>
    string Name { get; }

    /// <summary>Logits row-major [Batch, labels].</summary>
    float[] Run(BenchInput input);
}
