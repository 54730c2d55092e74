using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Native;
using DebertaGgml.Tests.Api;
using DebertaGgml.Tests.Convert;
using DebertaGgml.Tests.TestSupport;
using Xunit.Abstractions;

namespace DebertaGgml.Tests.Publishing;

/// <summary>Runs only when DEBERTA_PUBLISH_ALL=1: the publish modes CI leaves out to stay within its time.</summary>
public sealed class AllPublishModesFactAttribute : FactAttribute
{
    public const string Variable = "DEBERTA_PUBLISH_ALL";

    public AllPublishModesFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1") Skip = $"opt-in: set {Variable}=1";
    }
}

/// <summary>Runs only when DEBERTA_PUBLISH_ARM64=1 (.ci/arm64 sets it after cross-building libdeberta for linux-arm64).</summary>
public sealed class Arm64PublishFactAttribute : FactAttribute
{
    public const string Variable = "DEBERTA_PUBLISH_ARM64";

    public Arm64PublishFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1") Skip = $"opt-in: set {Variable}=1 (see .ci/arm64)";
    }
}

/// <summary>
/// The library packed as a user gets it (DebertaGgml's .nupkg from this build, every RID's natives inside) in a local
/// feed, with a nuget.config that adds it to the user's sources. The test version is removed from the global packages
/// folder before and after, so that each run restores this build's package.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public const string Version = "0.0.0-publishtest";
    public string Root { get; } = Directory.CreateTempSubdirectory("deberta-publish-").FullName;

    public PackedFeed()
    {
        string feed = Path.Combine(Root, "feed");
        // The configuration the tests were built in: pack reuses that build.
        string configuration = typeof(DebertaModel).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var pack = ChildProcess.Run("dotnet", ["pack", Repo.Path("managed", "DebertaGgml"), "-c", configuration, "--no-build", "-o", feed,
            $"-p:PackageVersion={Version}"], 300);
        Assert.True(pack.ExitCode == 0, pack.Output);
        RemoveCachedPackages();
        File.WriteAllText(Path.Combine(Root, "nuget.config"),
            $"""
             <?xml version="1.0" encoding="utf-8"?>
             <configuration>
               <packageSources><add key="deberta-publish-test" value="{feed}" /></packageSources>
             </configuration>
             """);
    }

    static void RemoveCachedPackages()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string dir = Path.Combine(packages, "debertaggml", Version);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public void Dispose()
    {
        RemoveCachedPackages();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// Publishes tests/publish-app (a console app on the packed package) in each mode for this machine's RID (and for
/// linux-arm64, run under qemu), runs it on the demo model from the repository root, checks it gives the in-process answer from a libdeberta inside its own
/// publish, and holds the publish's size to the one recorded in tests/publish-app/publish-sizes.json.
/// </summary>
public class PublishTests(PackedFeed feed, ITestOutputHelper output) : IClassFixture<PackedFeed>
{
    const string Sentence = "Wie spät ist es?";
    static readonly string Rid = NativeLibraryLoader.RuntimeIdentifier;

    static readonly Lazy<LabelScore> Expected = new(() =>
    {
        using var model = DebertaModel.Load(DemoModelTests.CommittedModel);
        return model.Classify(Sentence).Top;
    });

    [Fact]
    public void Self_contained() => PublishAndRun("self-contained", ["--self-contained"]);

    [Fact]
    public void Native_aot() => PublishAndRun("native-aot", ["-p:PublishAot=true"]);

    [AllPublishModesFact]
    public void Framework_dependent() => PublishAndRun("framework-dependent", [], ridSpecific: false);

    [AllPublishModesFact]
    public void Single_file_with_native_libraries_beside_it() =>
        PublishAndRun("single-file", ["--self-contained", "-p:PublishSingleFile=true"]);

    [AllPublishModesFact]
    public void Single_file_with_native_libraries_inside_it() =>
        PublishAndRun("single-file-bundled", ["--self-contained", "-p:PublishSingleFile=true", "-p:IncludeNativeLibrariesForSelfExtract=true"]);

    [AllPublishModesFact]
    public void Trimmed() => PublishAndRun("trimmed", ["--self-contained", "-p:PublishTrimmed=true"]);

    [Arm64PublishFact]
    public void Linux_arm64_self_contained_under_qemu() => PublishAndRun("self-contained", ["--self-contained"], Arm64);

    /// <summary>Cross-compiled: clang-14 drives the link for the aarch64 target with the cross binutils.</summary>
    [Arm64PublishFact]
    public void Linux_arm64_native_aot_under_qemu() =>
        PublishAndRun("native-aot", ["-p:PublishAot=true", "-p:CppCompilerAndLinker=clang-14", "-p:ObjCopyName=aarch64-linux-gnu-objcopy"], Arm64);

    /// <summary>The CLI as docs/api.md publishes it for machines without .NET: classify, info and convert (text output).</summary>
    [AllPublishModesFact]
    public void Cli_native_aot()
    {
        string outDir = Path.Combine(feed.Root, "cli-aot");
        var publish = ChildProcess.Run("dotnet", ["publish", Repo.Path("managed", "DebertaGgml.Cli"), "-c", "Release", "-r", Rid,
            "-p:PublishAot=true", "-o", outDir], 900);
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.Equal([Rid], Directory.GetDirectories(Path.Combine(outDir, "runtimes")).Select(Path.GetFileName));
        var classify = ChildProcess.Run(Path.Combine(outDir, "deberta"), ["classify", Sentence], 60, feed.Root, CleanEnvironment(feed.Root));
        Assert.True(classify.ExitCode == 0, classify.Output);
        var fields = classify.StdOut.Trim().Split('\t');
        Assert.Equal(Expected.Value.Label, fields[0]);
        Assert.Equal(Expected.Value.Score, double.Parse(fields[1], CultureInfo.InvariantCulture), 1e-4);
        var info = ChildProcess.Run(Path.Combine(outDir, "deberta"), ["info"], 60, feed.Root, CleanEnvironment(feed.Root));
        Assert.True(info.ExitCode == 0, info.Output);
        Assert.Contains($"library: {outDir}", info.StdOut);
        Assert.Contains("self-test: ok", info.StdOut);

        // Converting a pytorch_model.bin exercises Razorvine.Pickle's reflection (__setstate__), which trimming could break.
        string folder = ConvertFixtures.Model("v3-MaskedLM"), aotGguf = Path.Combine(outDir, "aot.gguf"), inProcess = Path.Combine(outDir, "in-process.gguf");
        var convert = ChildProcess.Run(Path.Combine(outDir, "deberta"), ["convert", folder, "--weights", "pytorch_model.bin", "-o", aotGguf], 120,
            feed.Root, CleanEnvironment(feed.Root));
        Assert.True(convert.ExitCode == 0, convert.Output);
        HfToGgufConverter.Convert(folder, inProcess, new ConvertOptions { WeightsFile = "pytorch_model.bin" });
        Assert.Equal(File.ReadAllBytes(inProcess), File.ReadAllBytes(aotGguf));
    }

    /// <summary>A RID this machine runs through an emulator; its C runtime comes from Debian's cross sysroot, without ICU.</summary>
    sealed record Emulated(string Rid, string Emulator, string SysRoot);
    static readonly Emulated Arm64 = new("linux-arm64", "qemu-aarch64-static", "/usr/aarch64-linux-gnu");

    void PublishAndRun(string mode, string[] publishArgs, Emulated? emulated = null, bool ridSpecific = true)
    {
        string rid = emulated?.Rid ?? Rid;
        if (emulated != null)
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native", NativeLibraryLoader.LibraryFileName)),
                $"no {rid} libdeberta in this build: run native/cross-build.sh {rid} and build again");
        string modeDir = Path.Combine(feed.Root, rid, mode), appDir = Path.Combine(modeDir, "app"), outDir = Path.Combine(modeDir, "out");
        Directory.CreateDirectory(appDir);
        foreach (string file in new[] { "TinyApp.csproj", "Program.cs" })
            File.Copy(Repo.Path("tests", "publish-app", file), Path.Combine(appDir, file));

        string[] ridArgs = ridSpecific ? ["-r", rid] : [];
        var publish = ChildProcess.Run("dotnet", ["publish", appDir, "-c", "Release", .. ridArgs, .. publishArgs,
            $"-p:DebertaGgmlVersion={PackedFeed.Version}", "-o", outDir], 600);
        Assert.True(publish.ExitCode == 0, publish.Output);
        // Trim and AOT analysis of our assemblies: none may warn (their own builds run the same analyzers).
        var ourWarnings = publish.StdOut.Split('\n').Where(l => l.Contains("warning IL") && l.Contains("DebertaGgml")).ToArray();
        Assert.True(ourWarnings.Length == 0, string.Join('\n', ourWarnings));

        string extractDir = Path.Combine(modeDir, "extract");
        var env = CleanEnvironment(extractDir);
        string app = Path.Combine(outDir, "TinyApp");
        if (emulated != null) env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        var run = emulated != null ? ChildProcess.Run(emulated.Emulator, ["-L", emulated.SysRoot, app], 300, Repo.Root, env)
            : ridSpecific ? ChildProcess.Run(app, [], 120, Repo.Root, env)
            : ChildProcess.Run("dotnet", [app + ".dll"], 120, Repo.Root, env);
        Assert.True(run.ExitCode == 0, run.Output);
        var fields = run.StdOut.Trim().Split('\t');
        Assert.Equal(5, fields.Length);
        Assert.Equal(Expected.Value.Label, fields[0]);
        Assert.Equal(Expected.Value.Score, double.Parse(fields[1], CultureInfo.InvariantCulture), 1e-5);
        // The natives come from the publish itself (or, bundled, from where the host extracted them).
        Assert.StartsWith(mode == "single-file-bundled" ? extractDir : outDir, fields[2]);

        long size = PublishSize(outDir, rid);
        output.WriteLine($"{rid} {mode}: {fields[0]} {fields[1]}, {size / 1e6:F1} MB, natives from {Path.GetDirectoryName(fields[2])}, " +
                         $"first Load and Classify {fields[3]} ms, {fields[4]} ms since the process started");
        PublishSizes.Check(rid, mode, size);
    }

    /// <summary>No caller's override of where natives are found; single-file extraction inside the test's folder.</summary>
    static Dictionary<string, string?> CleanEnvironment(string extractDir) => new()
    {
        [NativeLibraryLoader.DirectoryEnvironmentVariable] = null,
        ["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = extractDir,
    };

    /// <summary>Bytes shipped for this RID: debug symbols (.pdb, .dbg) and other RIDs' native folders left out.</summary>
    static long PublishSize(string dir, string rid)
    {
        string otherRids = Path.Combine(dir, "runtimes") + Path.DirectorySeparatorChar;
        string ownRid = Path.Combine(otherRids, rid) + Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is not (".pdb" or ".dbg"))
            .Where(f => !f.StartsWith(otherRids) || f.StartsWith(ownRid))
            .Sum(f => new FileInfo(f).Length);
    }
}

/// <summary>
/// The publish sizes last recorded, per RID and mode. A publish may not grow by more than a quarter unexplained;
/// DEBERTA_RECORD_PUBLISH_SIZES=1 records the new sizes (commit them with the reason).
/// </summary>
static class PublishSizes
{
    const double AllowedGrowth = 1.25;
    const string RecordVariable = "DEBERTA_RECORD_PUBLISH_SIZES";
    static readonly string FilePath = Repo.Path("tests", "publish-app", "publish-sizes.json");
    static readonly Lock Gate = new();

    public static void Check(string rid, string mode, long size)
    {
        lock (Gate)
        {
            var all = File.Exists(FilePath) ? JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject() : new JsonObject();
            if (Environment.GetEnvironmentVariable(RecordVariable) == "1")
            {
                if (all[rid] is not JsonObject forRid) all[rid] = forRid = new JsonObject();
                forRid[mode] = size;
                File.WriteAllText(FilePath, all.ToJsonString(new() { WriteIndented = true }) + "\n");
                return;
            }
            if (all[rid]?[mode] is not JsonValue recorded) return;  // nothing recorded for this RID and mode yet
            long last = (long)recorded;
            Assert.True(size <= last * AllowedGrowth,
                $"the {rid} {mode} publish grew from {last} to {size} bytes (over {AllowedGrowth - 1:P0}): find why, then re-record with {RecordVariable}=1");
        }
    }
}
