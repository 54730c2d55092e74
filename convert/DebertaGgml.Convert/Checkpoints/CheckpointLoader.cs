namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Finds and opens the weights of an HF model folder, preferring safetensors.</summary>
public static class CheckpointLoader
{
    public const string Safetensors = "model.safetensors";
    public const string SafetensorsIndex = "model.safetensors.index.json";

    public static ICheckpoint Open(string folder)
    {
        string single = Path.Combine(folder, Safetensors);
        if (File.Exists(single)) return SafetensorsFile.Open(single);
        string index = Path.Combine(folder, SafetensorsIndex);
        if (File.Exists(index)) return ShardedSafetensors.Open(index);
        throw new ConvertException(folder, $"no weights found (expected {Safetensors} or {SafetensorsIndex})");
    }
}
