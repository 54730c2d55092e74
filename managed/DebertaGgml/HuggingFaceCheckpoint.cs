namespace DebertaGgml;

/// <summary>
/// Recognizes a HuggingFace checkpoint (a folder with config.json, or a .safetensors / .bin weights file) where a
/// GGUF file is expected, so the caller is told to convert it instead of "does not exist" or "bad magic".
/// </summary>
internal static class HuggingFaceCheckpoint
{
    static readonly string[] DefaultWeights = ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"];

    /// <summary>True when <paramref name="path"/> is a checkpoint folder or weights file; <paramref name="convertCommand"/> converts it.</summary>
    public static bool Recognize(string path, out string convertCommand)
    {
        convertCommand = "";
        string? folder = null, weights = null;
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "config.json"))) folder = path;
        }
        else if (File.Exists(path) && (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                                       || path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)))
        {
            folder = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : ".";
            string file = Path.GetFileName(path);
            if (!DefaultWeights.Contains(file)) weights = file;
        }
        if (folder == null) return false;
        string name = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))).Name;
        convertCommand = $"deberta convert {Quote(folder)}{(weights == null ? "" : $" --weights {Quote(weights)}")} -o {Quote(name + ".gguf")}";
        return true;
    }

    /// <summary>The one-line explanation for a checkpoint given where a GGUF model is expected.</summary>
    public static string Explain(string path, string convertCommand) =>
        $"'{path}' is a HuggingFace checkpoint, not a GGUF model file; convert it first: {convertCommand}";

    static string Quote(string text) => text.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"') ? $"'{text.Replace("'", "'\\''")}'" : text;
}
