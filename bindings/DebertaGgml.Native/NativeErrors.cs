using System.Runtime.InteropServices;

namespace DebertaGgml.Native;

/// <summary>Raised for a native failure that no standard exception type describes.</summary>
public class DebertaNativeException(string message, int status) : InvalidOperationException(message)
{
    /// <summary>The deberta_status code returned by the C API.</summary>
    public int Status { get; } = status;
}

/// <summary>Maps C API status codes and the per-thread last error to .NET exceptions.</summary>
internal static unsafe class NativeErrors
{
    public static void ThrowIfFailed(deberta_status status, string what)
    {
        if (status == deberta_status.DEBERTA_STATUS_OK) return;
        throw Create(status, what);
    }

    public static Exception Create(deberta_status status, string what)
    {
        string detail = Utf8(NativeMethods.deberta_last_error()) ?? "";
        string message = string.IsNullOrEmpty(detail) ? what : $"{what}: {detail}";
        return status switch
        {
            deberta_status.DEBERTA_STATUS_INVALID_ARGUMENT => new ArgumentException(message),
            deberta_status.DEBERTA_STATUS_IO_ERROR => new IOException(message),
            deberta_status.DEBERTA_STATUS_INVALID_MODEL => new InvalidDataException(message),
            deberta_status.DEBERTA_STATUS_UNSUPPORTED => new NotSupportedException(message),
            deberta_status.DEBERTA_STATUS_OUT_OF_MEMORY => new InsufficientMemoryException(message),
            deberta_status.DEBERTA_STATUS_CANCELLED => new OperationCanceledException(message),
            _ => new DebertaNativeException(message, (int)status),
        };
    }

    public static string? Utf8(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((nint)text);
}
