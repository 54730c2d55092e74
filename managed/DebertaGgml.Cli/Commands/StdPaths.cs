using DebertaGgml.Convert;

namespace DebertaGgml.Cli.Commands;

/// <summary>File options where `-` means stdin (for reading) or stdout (for writing).</summary>
internal static class StdPaths
{
    public const string Std = "-";

    public static string ReadAllText(string path) => path == Std ? Console.In.ReadToEnd() : File.ReadAllText(Existing(path));

    public static byte[] ReadAllBytes(string path)
    {
        if (path != Std) return File.ReadAllBytes(Existing(path));
        using var buffer = new MemoryStream();
        Console.OpenStandardInput().CopyTo(buffer);
        return buffer.ToArray();
    }

    public static TextReader OpenText(string path) => path == Std ? Console.In : new StreamReader(Existing(path));

    /// <summary>Writes a file whole or not at all (AtomicFile), or to stdout.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        if (path != Std)
        {
            AtomicFile.Write(path, write);
            return;
        }
        using var stdout = Console.OpenStandardOutput();
        write(stdout);
        stdout.Flush();
    }

    static string Existing(string path) => File.Exists(path) ? path : throw new FileNotFoundException($"'{path}' does not exist", path);
}
