using System.Diagnostics;

namespace DebertaGgml.Tests.TestSupport;

/// <summary>Paths inside the repository checkout, found from the test binaries.</summary>
public static class Repo
{
    static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "DebertaGgml.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no DebertaGgml.sln above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
    public static string Fixtures(params string[] parts) => Path(["tests", "fixtures", .. parts]);

    /// <summary>The `deberta` CLI built next to the tests (the test project references it).</summary>
    public static string CliDll => System.IO.Path.Combine(AppContext.BaseDirectory, "deberta.dll");
}

/// <summary>Runs the CLI in a child process (for what must not share this process: the native loader's choice).</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? dll = null,
                             string? stdin = null, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll ?? Repo.CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"deberta {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A copy of the CLI's application folder (its top-level files, without the native runtime) in a temporary folder.</summary>
public sealed class TempApplication : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("deberta-app-").FullName;
    public string CliDll => System.IO.Path.Combine(Dir, "deberta.dll");

    public TempApplication()
    {
        foreach (string file in Directory.GetFiles(AppContext.BaseDirectory))
            File.Copy(file, System.IO.Path.Combine(Dir, System.IO.Path.GetFileName(file)));
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
