using DebertaGgml.Native;

namespace DebertaGgml;

/// <summary>A ggml device (CPU, GPU, accelerator) this process can use.</summary>
/// <param name="Index">Position in ggml's device list.</param>
/// <param name="Name">ggml's device name, e.g. <c>CPU</c>, <c>CUDA0</c>, <c>Vulkan0</c>.</param>
/// <param name="Description">The hardware, as the backend describes it.</param>
/// <param name="FreeMemory">Free memory in bytes (for the CPU: the host's).</param>
/// <param name="TotalMemory">Total memory in bytes.</param>
public sealed record DeviceInfo(int Index, string Name, string Description, long FreeMemory, long TotalMemory);

/// <summary>What runs underneath: library and ggml versions, the CPU variant and why, the devices.</summary>
/// <param name="LibraryVersion">libdeberta's version.</param>
/// <param name="GgmlVersion">The loaded ggml's version (checked against the one libdeberta was written for).</param>
/// <param name="GgmlCommit">The loaded ggml's commit.</param>
/// <param name="CpuVariant">The ggml CPU build loaded for this processor, e.g. <c>zen4</c> or <c>haswell</c>.</param>
/// <param name="CpuVariantReason">Why that build was chosen.</param>
/// <param name="CpuFeatures">The instruction-set features that build uses, e.g. <c>AVX512_VNNI</c>.</param>
/// <param name="LibraryPath">Full path of the loaded libdeberta.</param>
/// <param name="Devices">Every device ggml registered, the CPU included.</param>
public sealed record LibraryInfo(
    string LibraryVersion,
    string GgmlVersion,
    string GgmlCommit,
    string CpuVariant,
    string CpuVariantReason,
    IReadOnlyList<string> CpuFeatures,
    string LibraryPath,
    IReadOnlyList<DeviceInfo> Devices)
{
    // The compiler's ToString would print the lists' type names.
    bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"LibraryVersion = {LibraryVersion}, GgmlVersion = {GgmlVersion}, GgmlCommit = {GgmlCommit}, ");
        builder.Append($"CpuVariant = {CpuVariant}, CpuVariantReason = {CpuVariantReason}, CpuFeatures = {RecordText.List(CpuFeatures)}, ");
        builder.Append($"LibraryPath = {LibraryPath}, Devices = {RecordText.List(Devices.Select(d => d.Name))}");
        return true;
    }
}

/// <summary>Process-wide facts about the native library.</summary>
public static unsafe class DebertaLibrary
{
    /// <summary>Loads the native library (if needed), checks the ggml ABI and describes it.</summary>
    public static LibraryInfo GetInfo()
    {
        var loaded = NativeLibraryLoader.Info;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_init(), "native library initialization failed");
        int count = NativeMethods.deberta_device_count();
        var devices = new List<DeviceInfo>(count);
        for (int i = 0; i < count; i++)
        {
            ulong free, total;
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_device_memory(i, &free, &total), "cannot read device memory");
            devices.Add(new DeviceInfo(i,
                NativeErrors.Utf8(NativeMethods.deberta_device_name(i)) ?? "",
                NativeErrors.Utf8(NativeMethods.deberta_device_description(i)) ?? "",
                (long)free, (long)total));
        }
        string features = NativeErrors.Utf8(NativeMethods.deberta_cpu_features()) ?? "";
        return new LibraryInfo(
            NativeErrors.Utf8(NativeMethods.deberta_version()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_ggml_version()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_ggml_commit()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_cpu_variant()) ?? "",
            NativeErrors.Utf8(NativeMethods.deberta_cpu_variant_reason()) ?? "",
            features.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            loaded.LibraryPath,
            devices);
    }

    /// <summary>
    /// The CPU threads <see cref="DebertaModelOptions.Threads"/> = 0 stands for: the machine's physical cores, not
    /// reduced by an affinity mask or a container's CPU quota (Linux: /proc/cpuinfo; Windows: the processor cores),
    /// else the hardware threads.
    /// </summary>
    public static int DefaultThreads
    {
        get
        {
            NativeLibraryLoader.EnsureLoaded();
            return NativeMethods.deberta_default_threads();
        }
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
