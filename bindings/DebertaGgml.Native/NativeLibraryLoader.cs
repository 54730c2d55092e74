using System.Reflection;
using System.Runtime.InteropServices;

namespace DebertaGgml.Native;

/// <summary>What the loader loaded and where it found it.</summary>
/// <param name="LibraryPath">Full path of libdeberta.</param>
/// <param name="Directory">The folder holding libdeberta and ggml's libraries.</param>
public sealed record NativeLibraryInfo(string LibraryPath, string Directory);

/// <summary>
/// Loads libdeberta and ggml from runtimes/&lt;rid&gt;/native/, the app folder (where a publish flattens it) or the
/// host's native search folders (where a single-file app extracts them).
/// ggml's core libraries are preloaded by full path so that libdeberta's imports resolve to them on every OS;
/// libdeberta itself then registers the best ggml CPU variant for this processor by ggml's own scores
/// (<c>DEBERTA_CPU_VARIANT</c> forces one) and any GPU backend found in the same folder.
/// </summary>
public static class NativeLibraryLoader
{
    /// <summary>Names the ggml CPU variant to load (e.g. <c>haswell</c>) instead of the best-scoring one.</summary>
    public const string VariantEnvironmentVariable = "DEBERTA_CPU_VARIANT";
    /// <summary>A folder searched before the app's own for the native libraries.</summary>
    public const string DirectoryEnvironmentVariable = "DEBERTA_NATIVE_DIR";

    static readonly Lock Gate = new();
    static NativeLibraryInfo? _info;
    static nint _library;

    /// <summary>Every P/Invoke of this assembly resolves "deberta" through the loader, whatever is called first.</summary>
#pragma warning disable CA2255 // a library must own its resolver before any of its P/Invokes runs
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
#pragma warning restore CA2255

    /// <summary>The loaded library; loads it on first access.</summary>
    public static NativeLibraryInfo Info
    {
        get
        {
            EnsureLoaded();
            return _info!;
        }
    }

    /// <summary>The runtime identifier whose native folder is used (linux-x64, linux-arm64, win-x64, osx-arm64, ...).</summary>
    public static string RuntimeIdentifier { get; } =
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    /// <summary>The platform's file name of libdeberta.</summary>
    public static string LibraryFileName => PlatformFileName("deberta");

    /// <summary>Loads the native libraries once; throws DllNotFoundException listing every path tried.</summary>
    public static void EnsureLoaded()
    {
        if (_info != null) return;
        lock (Gate)
        {
            if (_info != null) return;
            var tried = new List<string>();
            foreach (string dir in CandidateDirectories().Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct())
            {
                string lib = Path.Combine(dir, LibraryFileName);
                tried.Add(lib);
                string ggmlBase = Path.Combine(dir, PlatformFileName("ggml-base"));
                if (!File.Exists(lib) || !File.Exists(ggmlBase)) continue;
                NativeLibrary.Load(ggmlBase);
                foreach (string ggml in GgmlCoreLibraries(dir)) NativeLibrary.Load(ggml);
                _library = NativeLibrary.Load(lib);
                _info = new NativeLibraryInfo(lib, dir);
                NativeLog.Attach();
                NativeLog.Write(NativeLogLevel.Info, $"loaded {lib}");
                return;
            }
            throw new DllNotFoundException($"{LibraryFileName} (with ggml beside it) not found; tried: {string.Join(", ", tried)}");
        }
    }

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != NativeMethods.LibraryName) return 0;
        EnsureLoaded();
        return _library;
    }

    static string PlatformFileName(string name) =>
        OperatingSystem.IsWindows() ? $"{name}.dll" : OperatingSystem.IsMacOS() ? $"lib{name}.dylib" : $"lib{name}.so";

    // ggml's registry library carries its release in the name (libggml.v0.4.0.so, ggml.v0.4.0.dll; the macOS package's
    // is libggml.metal.v0.4.0.dylib).
    static IEnumerable<string> GgmlCoreLibraries(string dir)
    {
        string pattern = OperatingSystem.IsWindows() ? "ggml.v*.dll" : OperatingSystem.IsMacOS() ? "libggml.*v*.dylib" : "libggml.v*.so";
        return Directory.EnumerateFiles(dir, pattern);
    }

    static IEnumerable<string> CandidateDirectories()
    {
        string? env = Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) yield return env;
        yield return Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeIdentifier, "native");
        yield return AppContext.BaseDirectory;
        // The host's native probing folders: a single-file app's extraction folder (IncludeNativeLibrariesForSelfExtract)
        // is only named here. NativeAOT apps have none.
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string hostDirs)
            foreach (string dir in hostDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                yield return dir;
    }
}
