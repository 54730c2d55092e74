namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Finds and opens the weights of an HF model folder: safetensors first, then sharded safetensors, then pytorch_model.bin.</summary>
public static class CheckpointLoader
{
    /// <summary>HF's single-file safetensors checkpoint name.</summary>
    public const string Safetensors = "model.safetensors";
    /// <summary>HF's index of a sharded safetensors checkpoint.</summary>
    public const string SafetensorsIndex = "model.safetensors.index.json";

    /// <summary>Opens the checkpoint of an HF model folder: sharded or single safetensors, else pytorch_model.bin.</summary>
    /// <param name="folder">The HF model folder.</param>
    /// <param name="weightsFile">A file to use instead of the first one found (a name in the folder or a path).</param>
    public static ICheckpoint Open(string folder, string? weightsFile = null)
    {
        if (weightsFile != null)
        {
            string path = Path.Combine(folder, weightsFile);
            if (!File.Exists(path)) throw new ConvertException(path, "weights file does not exist");
            return OpenFile(path);
        }
        foreach (string name in new[] { Safetensors, SafetensorsIndex, PytorchCheckpoint.FileName })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) return OpenFile(path);
        }
        throw new ConvertException(folder, $"no weights found (expected {Safetensors}, {SafetensorsIndex} or {PytorchCheckpoint.FileName})");
    }

    private static ICheckpoint OpenFile(string path) =>
        path.EndsWith(".index.json") ? ShardedSafetensors.Open(path)
        : path.EndsWith(".bin") || path.EndsWith(".pt") || path.EndsWith(".pth") ? PytorchCheckpoint.Open(path)
        : SafetensorsFile.Open(path);
}
