using System.Diagnostics;

namespace DebertaGgml.Tests.TestSupport;

/// <summary>Runs any program to completion, capturing its output.</summary>
public static class ChildProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Output => StdOut + StdErr;
    }

    /// <param name="env">Variables to set; a null value removes the variable.</param>
    public static Result Run(string exe, IEnumerable<string> args, int timeoutSeconds, string? workingDirectory = null,
                             IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
            if (v == null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} took over {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
