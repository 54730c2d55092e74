namespace DebertaGgml;

/// <summary>
/// Where a model runs: the CPU, the first GPU of a named ggml backend, or <see cref="Best"/>. A GPU backend comes
/// from an optional runtime package (DebertaGgml.Runtime.Cuda, DebertaGgml.Runtime.Vulkan; Metal is part of the
/// macOS runtime) that places its library beside the CPU ones; asking for one that is not installed fails
/// with a <see cref="Native.DebertaNativeException"/> naming the package. <see cref="ModelInfo.Device"/> and
/// <see cref="ModelInfo.DeviceReason"/> say where a loaded model runs and why.
/// </summary>
public enum DebertaDevice
{
    Cpu = 0,
    /// <summary>The first GPU ggml offers (CUDA, then Vulkan, then Metal), else the CPU.</summary>
    Best = 1,
    /// <summary>The first NVIDIA GPU (DebertaGgml.Runtime.Cuda: the NVIDIA driver and the CUDA 13 runtime).</summary>
    Cuda = 2,
    /// <summary>The first Vulkan GPU (DebertaGgml.Runtime.Vulkan: libvulkan and a Vulkan driver).</summary>
    Vulkan = 3,
    /// <summary>The Apple GPU (macOS).</summary>
    Metal = 4,
}

/// <summary>How a model is loaded and how its inference contexts are sized.</summary>
public sealed record DebertaModelOptions
{
    public static DebertaModelOptions Default { get; } = new();

    /// <summary>
    /// The most CPU threads an evaluation uses; 0 (default) = the physical cores. An evaluation that is small for the
    /// model (short texts, small models) uses fewer, down to one, because waking the other threads for every graph
    /// node costs more than they save (see <see cref="DebertaModel.ThreadsFor"/>), much as ONNX Runtime's
    /// intra-op thread count is an upper bound.
    /// </summary>
    public int Threads { get; init; }
    /// <summary>Where the model runs (default: the CPU).</summary>
    public DebertaDevice Device { get; init; } = DebertaDevice.Cpu;
    /// <summary>Most sequences (times choices, for multiple choice) in one evaluation.</summary>
    public int MaxBatch { get; init; } = 8;
    /// <summary>Longest sequence in tokens (the window); null = 512, or the model's limit when smaller.</summary>
    public int? MaxSequenceLength { get; init; }
    /// <summary>
    /// Most evaluations running at once (one native context each, created on first need and reused);
    /// further callers wait. Each context holds its own compute buffers.
    /// </summary>
    public int MaxConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);
    /// <summary>Map the file instead of reading it, where the backend allows.</summary>
    public bool UseMemoryMap { get; init; } = true;

    internal void Validate()
    {
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (auto) or positive");
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "must be at least 1");
        if (MaxSequenceLength is < 3) throw new ArgumentOutOfRangeException(nameof(MaxSequenceLength), MaxSequenceLength, "must be at least 3 ([CLS] x [SEP])");
        if (!Enum.IsDefined(Device)) throw new ArgumentOutOfRangeException(nameof(Device), Device, "not a DebertaDevice");
        if (MaxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "must be at least 1");
    }
}
