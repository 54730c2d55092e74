using DebertaGgml.BindingsGen;

// Usage: dotnet run --project bindings/DebertaGgml.BindingsGen [-- <repo root>]
string root = args.Length > 0 ? args[0] : FindRepoRoot(Directory.GetCurrentDirectory());
string header = Path.Combine(root, "native", "include", "deberta.h");
string output = Path.Combine(root, "bindings", "DebertaGgml.Native", "Generated", "NativeMethods.g.cs");
try
{
    string source = BindingsGenerator.GenerateFromHeader(header);
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    File.WriteAllText(output, source);
    Console.WriteLine($"wrote {output}");
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"bindings generator: {e.Message}");
    return 1;
}

static string FindRepoRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "DebertaGgml.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException($"no DebertaGgml.sln above {start}");
}
