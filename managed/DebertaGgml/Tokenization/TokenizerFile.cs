namespace DebertaGgml.Tokenization;

/// <summary>Reads tokenizer files whole, naming the file and its kind when that fails.</summary>
internal static class TokenizerFile
{
    public static byte[] ReadAllBytes(string path, string kind)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read {kind} '{path}': {e.Message}", e);
        }
    }
}
