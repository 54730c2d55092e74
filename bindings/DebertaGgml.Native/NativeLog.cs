using System.Runtime.InteropServices;

namespace DebertaGgml.Native;

/// <summary>Severity of a log line (the C API's deberta_log_level).</summary>
public enum NativeLogLevel
{
    /// <summary>Detail for debugging.</summary>
    Debug = 0,
    /// <summary>Progress and choices made (devices, CPU variant).</summary>
    Info = 1,
    /// <summary>Something unexpected that did not stop the call.</summary>
    Warning = 2,
    /// <summary>A failure.</summary>
    Error = 3,
}

/// <summary>
/// One log sink for the loader, libdeberta and ggml. By default warnings and errors go to stderr;
/// set <see cref="Handler"/> to route every line elsewhere (or to null to drop them).
/// </summary>
public static unsafe class NativeLog
{
    static bool _attached;

    /// <summary>Receives every log line. The default writes warnings and errors to stderr.</summary>
    public static Action<NativeLogLevel, string>? Handler { get; set; } = DefaultHandler;

    /// <summary>Writes warnings and errors to stderr: the sink used until a handler is set.</summary>
    public static void DefaultHandler(NativeLogLevel level, string message)
    {
        if (level >= NativeLogLevel.Warning) Console.Error.WriteLine($"deberta: {message}");
    }

    internal static void Write(NativeLogLevel level, string message) => Handler?.Invoke(level, message);

    internal static void Attach()
    {
        if (_attached) return;
        NativeMethods.deberta_log_set(&OnNativeLog, null);
        _attached = true;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    static void OnNativeLog(deberta_log_level level, byte* message, void* userData)
    {
        try
        {
            Write((NativeLogLevel)level, Marshal.PtrToStringUTF8((nint)message) ?? "");
        }
        catch
        {
            // A throwing handler must not unwind into native code.
        }
    }
}
