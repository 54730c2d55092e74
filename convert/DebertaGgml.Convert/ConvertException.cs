namespace DebertaGgml.Convert;

/// <summary>A conversion failure caused by the input; the message names the file and the problem.</summary>
public sealed class ConvertException(string file, string problem, Exception? inner = null)
    : Exception($"{file}: {problem}", inner)
{
    /// <summary>The file at fault.</summary>
    public string File { get; } = file;
    /// <summary>What is wrong with it, in the user's terms.</summary>
    public string Problem { get; } = problem;
}
