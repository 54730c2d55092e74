namespace DebertaGgml.Convert;

/// <summary>A conversion failure caused by the input; the message names the file and the problem.</summary>
public sealed class ConvertException(string file, string problem, Exception? inner = null)
    : Exception($"{file}: {problem}", inner)
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
