using DebertaGgml.Native;

namespace DebertaGgml;

/// <summary>A ggml device (CPU, GPU, accelerator) this process can use.</summary>
public sealed record DeviceInfo(int Index, string Name, string Description);

/// <summary>What runs underneath: library and ggml versions, the CPU variant and why, the devices.</summary>
public sealed record LibraryInfo(
    string LibraryVersion,
    string GgmlVersion,
    string GgmlCommit,
    string CpuVariant,
    string CpuVariantReason,
    string LibraryPath,
    IReadOnlyList<DeviceInfo> Devices);

/// <summary>Process-wide facts about the native library.</summary>
public static unsafe class DebertaLibrary
{
    /// <summary>Loads the native library (if needed), checks the ggml ABI and describes it.</summary>
    public static LibraryInfo GetInfo()
    {
        var loaded = NativeLibraryLoader.Info;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_init(), "native library initialization failed");
        int count = NativeMethods.deberta_device_count();
        var devices = Enumerable.Range(0, count)
            .Select(i => new DeviceInfo(i,
                NativeErrors.Utf8(NativeMethods.deberta_device_name(i)) ?? "",
                NativeErrors.Utf8(NativeMethods.deberta_device_description(i)) ?? ""))
            .ToList();
        return new LibraryInfo(
            NativeErrors.Utf8(NativeMethods.deberta_version()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_ggml_version()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_ggml_commit()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_cpu_variant()) ?? "",
            loaded.Reason,
            loaded.LibraryPath,
            devices);
    }

    /// <summary>
    /// Multiplies a [m x k] by b[n x k] transposed with a ggml graph on the CPU backend: a smoke test
    /// that the native stack computes.
    /// </summary>
    public static float[] SelfTestMatMul(float[] a, float[] b, int m, int n, int k, int threads = 2)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != m * k) throw new ArgumentException($"a has {a.Length} elements, m*k = {m * k}", nameof(a));
        if (b.Length != n * k) throw new ArgumentException($"b has {b.Length} elements, n*k = {n * k}", nameof(b));
        NativeLibraryLoader.EnsureLoaded();
        var result = new float[m * n];
        fixed (float* pa = a, pb = b, pr = result)
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_selftest_matmul(pa, pb, pr, m, n, k, threads), "self-test failed");
        return result;
    }
}
