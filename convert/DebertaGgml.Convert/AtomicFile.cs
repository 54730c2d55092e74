namespace DebertaGgml.Convert;

/// <summary>Writes a file through a temporary sibling that is renamed into place only on success.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through a temporary file in the same folder, renamed over it only when <paramref name="write"/> succeeded.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(folder)) throw new ConvertException(path, $"output folder '{folder}' does not exist");
        string temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);  // the bytes reach the disk before the name does
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new ConvertException(path, $"cannot write the output: {e.Message}", e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
