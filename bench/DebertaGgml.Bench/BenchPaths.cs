namespace DebertaGgml.Bench;

/// <summary>Where the bench finds its inputs (in the repo) and puts generated models and results (artifacts/bench).</summary>
public static class BenchPaths
{
    static readonly Lazy<string> RootPath = new(() =>
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DebertaGgml.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("the bench must run inside the DebertaGgml checkout (no DebertaGgml.sln found above it)");
    });

    public static string RepoRoot => RootPath.Value;
    public static string PeerFolder(string model) => Path.Combine(RepoRoot, "bench", "peer", $"deberta-v3-{model}");
    public static string TokenizerFolder => Path.Combine(RepoRoot, "tests", "fixtures", "models", "v3-SequenceClassification");
    public static string WorkFolder => Path.Combine(RepoRoot, "artifacts", "bench");
    public static string ModelFolder(string model) => Path.Combine(WorkFolder, model);
    public static string Docs => Path.Combine(RepoRoot, "docs", "BENCHMARKS.md");
}
