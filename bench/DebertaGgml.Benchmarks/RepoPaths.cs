namespace DebertaGgml.Benchmarks;

/// <summary>Where the repository's fixtures and models are, found from the benchmark's own location.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DebertaGgml.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no DebertaGgml.sln above {AppContext.BaseDirectory}");
    }
}
