using System.IO.Compression;
using System.Text.RegularExpressions;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Packaging;

/// <summary>
/// Reads the packages `build.ps1 -Target pack` wrote to artifacts/packages (.ci/run packs before the tests) and checks
/// that each RID folder holds libdeberta and ggml built for that RID's machine, and nothing of llama.cpp beyond ggml.
/// </summary>
public class PackageRuntimeTests
{
    static readonly string PackageDir = Repo.Path("artifacts", "packages");

    /// <summary>ELF e_machine values and the PE machine field (IMAGE_FILE_MACHINE_AMD64) of each shipped RID.</summary>
    public static TheoryData<string, string, string> Runtimes => new()
    {
        { "DebertaGgml", "linux-x64", "ELF x86-64" },
        { "DebertaGgml", "linux-arm64", "ELF aarch64" },
        { "DebertaGgml", "win-x64", "PE x86-64" },
        { "DebertaGgml.Cli", "linux-x64", "ELF x86-64" },
        { "DebertaGgml.Cli", "linux-arm64", "ELF aarch64" },
        { "DebertaGgml.Cli", "win-x64", "PE x86-64" },
    };

    [PackedTheory]
    [MemberData(nameof(Runtimes))]
    public void Each_rid_folder_holds_libdeberta_and_ggml_for_its_machine(string package, string rid, string machine)
    {
        using var zip = ZipFile.OpenRead(FindPackage(package));
        string prefix = (package == "DebertaGgml.Cli" ? "tools/net10.0/any/" : "") + $"runtimes/{rid}/native/";
        var files = zip.Entries.Where(e => e.FullName.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var names = files.Select(e => e.FullName[prefix.Length..]).ToHashSet();

        bool windows = rid.StartsWith("win-", StringComparison.Ordinal);
        string lib(string name) => windows ? $"{name}.dll" : $"lib{name}.so";
        Assert.Contains(lib("deberta"), names);
        Assert.Contains(lib("ggml-base"), names);
        Assert.Contains(names, n => Regex.IsMatch(n, windows ? @"^ggml\.v[\d.]+\.dll$" : @"^libggml\.v[\d.]+\.so$"));
        Assert.Contains(names, n => n.StartsWith(lib("ggml-cpu-")[..^(windows ? 4 : 3)], StringComparison.Ordinal));
        Assert.All(names, n => Assert.Matches(@"^(lib)?(deberta|ggml[-.].*)\.(so|dll)$", n));  // never libllama, llama-addon

        foreach (var entry in files)
        {
            using var stream = entry.Open();
            var header = new byte[4096];
            int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            Assert.True(MachineOf(header.AsSpan(0, read)) == machine, $"{package} {entry.FullName}: {MachineOf(header.AsSpan(0, read))}, not {machine}");
        }
    }

    [PackedFact]
    public void Both_packages_carry_the_third_party_notice()
    {
        foreach (var package in new[] { "DebertaGgml", "DebertaGgml.Cli" })
        {
            using var zip = ZipFile.OpenRead(FindPackage(package));
            var notice = zip.GetEntry("THIRD-PARTY-NOTICES.txt");
            Assert.NotNull(notice);
            using var reader = new StreamReader(notice.Open());
            Assert.Contains("The ggml authors", reader.ReadToEnd());
        }
    }

    /// <summary>"ELF x86-64", "ELF aarch64" or "PE x86-64" from a binary's header; anything else is named as found.</summary>
    static string MachineOf(ReadOnlySpan<byte> h)
    {
        if (h.Length >= 20 && h[0] == 0x7f && h[1] == (byte)'E' && h[2] == (byte)'L' && h[3] == (byte)'F')
        {
            if (h[4] != 2 || h[5] != 1) return "ELF, not 64-bit little-endian";
            return BitConverter.ToUInt16(h[18..20]) switch { 62 => "ELF x86-64", 183 => "ELF aarch64", var m => $"ELF machine {m}" };
        }
        if (h.Length >= 0x40 && h[0] == (byte)'M' && h[1] == (byte)'Z')
        {
            int pe = BitConverter.ToInt32(h[0x3c..0x40]);
            if (pe < 0 || pe + 6 > h.Length || !h.Slice(pe, 4).SequenceEqual("PE\0\0"u8)) return "MZ without a PE header";
            return BitConverter.ToUInt16(h.Slice(pe + 4, 2)) switch { 0x8664 => "PE x86-64", var m => $"PE machine 0x{m:x}" };
        }
        return "not a binary";
    }

    static string FindPackage(string id)
    {
        var pattern = new Regex($@"^{Regex.Escape(id)}\.\d+\.\d+\.\d+.*\.nupkg$");
        return Directory.EnumerateFiles(PackageDir).Where(p => pattern.IsMatch(Path.GetFileName(p)))
                   .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
               ?? throw new FileNotFoundException($"no {id} package in {PackageDir}: run `dotnet pwsh build.ps1 -Target pack`");
    }

    internal static string? SkipReason() =>
        Environment.GetEnvironmentVariable("CI") != null || Directory.Exists(PackageDir)
            ? null  // in CI (.ci/run packs first) a missing package is a failure
            : $"no {PackageDir}: run `dotnet tool restore && dotnet pwsh build.ps1 -Target pack` first";
}

/// <summary>A fact that is skipped, with the reason, when no packages were built outside CI.</summary>
public sealed class PackedFactAttribute : FactAttribute
{
    public PackedFactAttribute() => Skip = PackageRuntimeTests.SkipReason();
}

/// <summary>A theory that is skipped, with the reason, when no packages were built outside CI.</summary>
public sealed class PackedTheoryAttribute : TheoryAttribute
{
    public PackedTheoryAttribute() => Skip = PackageRuntimeTests.SkipReason();
}
