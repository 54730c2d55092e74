using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace DebertaGgml.Native;

/// <summary>The ggml CPU builds shipped with the library, fastest first.</summary>
public enum CpuVariant { Auto, Avx512, Avx2, Avx, NoAvx }

/// <summary>What the loader chose and where it found it.</summary>
public sealed record NativeLibraryInfo(CpuVariant Variant, string Reason, string LibraryPath, string GgmlDirectory);

/// <summary>
/// Loads libdeberta and the ggml CPU variant that fits this processor. ggml's three libraries are
/// preloaded by full path from runtimes/&lt;rid&gt;/native/&lt;variant&gt;/ so that libdeberta's
/// dependencies resolve to them. The variant can be forced with the DEBERTA_CPU_VARIANT environment
/// variable (avx512, avx2, avx, noavx) or <see cref="RequestedVariant"/> before first use.
/// </summary>
public static partial class NativeLibraryLoader
{
    public const string VariantEnvironmentVariable = "DEBERTA_CPU_VARIANT";
    public const string DirectoryEnvironmentVariable = "DEBERTA_NATIVE_DIR";

    static readonly object Gate = new();
    static NativeLibraryInfo? _info;
    static nint _library;

    /// <summary>Every P/Invoke of this assembly resolves "deberta" through the loader, whatever is called first.</summary>
#pragma warning disable CA2255 // a library must own its resolver before any of its P/Invokes runs
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
#pragma warning restore CA2255

    /// <summary>Variant to load; Auto (default) picks from the processor's features. Set before first use.</summary>
    public static CpuVariant RequestedVariant { get; set; } = CpuVariant.Auto;

    /// <summary>The loaded library; loads it on first access.</summary>
    public static NativeLibraryInfo Info
    {
        get
        {
            EnsureLoaded();
            return _info!;
        }
    }

    /// <summary>Loads the native libraries once; throws DllNotFoundException listing every path tried.</summary>
    public static void EnsureLoaded()
    {
        if (_info != null) return;
        lock (Gate)
        {
            if (_info != null) return;
            var (variant, reason) = ChooseVariant();
            var tried = new List<string>();
            foreach (string dir in CandidateDirectories())
            {
                string lib = Path.Combine(dir, "libdeberta.so");
                string ggmlDir = Path.Combine(dir, VariantFolder(variant));
                tried.Add(lib);
                if (!File.Exists(lib) || !File.Exists(Path.Combine(ggmlDir, "libggml.so"))) continue;
                string waitPolicy = ConfigureOpenMpWaitPolicy();
                foreach (string name in new[] { "libggml-base.so", "libggml-cpu.so", "libggml.so" })
                    NativeLibrary.Load(Path.Combine(ggmlDir, name));
                _library = NativeLibrary.Load(lib);
                _info = new NativeLibraryInfo(variant, reason, lib, ggmlDir);
                NativeLog.Attach();
                NativeLog.Write(NativeLogLevel.Info, $"loaded {lib} with ggml CPU variant {VariantFolder(variant)} ({reason}); OpenMP wait policy {waitPolicy}");
                return;
            }
            throw new DllNotFoundException(
                $"libdeberta with ggml variant '{VariantFolder(variant)}' not found; tried: {string.Join(", ", tried)}");
        }
    }

    /// <summary>
    /// ggml's CPU backend synchronizes its threads with OpenMP barriers after every operation (~500 per evaluation).
    /// libgomp spins 300 000 rounds at each by default: on an idle machine that keeps barriers cheap, but when the
    /// cores are shared, one descheduled thread stalls its spinning partner for a time slice at every barrier;
    /// sleeping at once (passive) costs a futex wake per barrier instead. A short spin (GOMP_SPINCOUNT=1000) is the
    /// measured compromise (deberta-v3-base Q8_0, 2 threads, docs/BENCHMARKS.md finding 8): idle, it matches full
    /// spinning (1x16 17.5 ms, 8x128 1.33 s; passive 36 ms, 2.3 s); with a CPU hog on one core it is the fastest
    /// (1x128 289 ms; passive 460 ms, full spin 979 ms). The user's OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
    /// libgomp reads its environment once, when it is loaded with libggml-cpu.so, hence the native setenv here
    /// (Environment.SetEnvironmentVariable does not reach the C runtime on Unix).
    /// </summary>
    static string ConfigureOpenMpWaitPolicy()
    {
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spinCount = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        if (policy != null || spinCount != null) return policy ?? $"GOMP_SPINCOUNT={spinCount} (user)";
        if (OperatingSystem.IsLinux()) LibC.setenv("GOMP_SPINCOUNT", "1000", 0);
        return "GOMP_SPINCOUNT=1000";
    }

    static partial class LibC
    {
        [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int setenv(string name, string value, int overwrite);
    }

    static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != NativeMethods.LibraryName) return 0;
        EnsureLoaded();
        return _library;
    }

    /// <summary>The variant the processor supports best, with the reason; honours the override first.</summary>
    public static (CpuVariant Variant, string Reason) ChooseVariant()
    {
        string? env = Environment.GetEnvironmentVariable(VariantEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!TryParseVariant(env, out var forced) || forced == CpuVariant.Auto)
                throw new ArgumentException($"{VariantEnvironmentVariable}='{env}' is not one of avx512, avx2, avx, noavx");
            return (forced, $"forced by {VariantEnvironmentVariable}");
        }
        if (RequestedVariant != CpuVariant.Auto) return (RequestedVariant, "forced by option");
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
            return (CpuVariant.Avx512, "auto: AVX-512 F/BW/DQ/VL supported");
        if (Avx2.IsSupported && Fma.IsSupported && Bmi2.IsSupported) return (CpuVariant.Avx2, "auto: AVX2+FMA supported");
        if (Avx.IsSupported) return (CpuVariant.Avx, "auto: AVX supported");
        return (CpuVariant.NoAvx, "auto: no AVX");
    }

    public static bool TryParseVariant(string text, out CpuVariant variant)
    {
        variant = text.Trim().ToLowerInvariant() switch
        {
            "auto" => CpuVariant.Auto,
            "avx512" => CpuVariant.Avx512,
            "avx2" => CpuVariant.Avx2,
            "avx" => CpuVariant.Avx,
            "noavx" => CpuVariant.NoAvx,
            _ => (CpuVariant)(-1),
        };
        return Enum.IsDefined(variant);
    }

    public static string VariantFolder(CpuVariant variant) => variant switch
    {
        CpuVariant.Avx512 => "avx512",
        CpuVariant.Avx2 => "avx2",
        CpuVariant.Avx => "avx",
        CpuVariant.NoAvx => "noavx",
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    static IEnumerable<string> CandidateDirectories()
    {
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux", StringComparison.Ordinal) ? "linux-x64" : RuntimeInformation.RuntimeIdentifier;
        string? env = Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) yield return env;
        foreach (string baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NativeLibraryLoader).Assembly.Location) ?? "" }.Distinct())
        {
            if (baseDir.Length == 0) continue;
            yield return Path.Combine(baseDir, "runtimes", rid, "native");
            yield return baseDir;
        }
    }
}
