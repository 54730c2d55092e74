using System.Runtime.InteropServices;

namespace DebertaGgml.Native;

/// <summary>Why a native call failed: the C API's <c>deberta_status</c> codes (a test keeps the two equal).</summary>
public enum DebertaStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>A caller passed a value the API does not accept.</summary>
    InvalidArgument = 1,
    /// <summary>A file could not be opened or read.</summary>
    IoError = 2,
    /// <summary>The model file is damaged or not a model this library reads.</summary>
    InvalidModel = 3,
    /// <summary>The model or request uses something this library does not implement.</summary>
    Unsupported = 4,
    /// <summary>Host or device memory ran out.</summary>
    OutOfMemory = 5,
    /// <summary>A ggml backend (device) failed.</summary>
    BackendError = 6,
    /// <summary>The evaluation was cancelled.</summary>
    Cancelled = 7,
    /// <summary>The ggml runtime found differs from the one the library was built for.</summary>
    AbiMismatch = 8,
    /// <summary>A bug or an unexpected state inside the library.</summary>
    InternalError = 9,
    /// <summary>A metadata key the model's file does not have.</summary>
    NotFound = 10,
    /// <summary>A metadata value read as a type it does not have.</summary>
    TypeMismatch = 11,
}

/// <summary>Raised for a native failure that no standard exception type describes.</summary>
/// <param name="message">The failed operation and the native reason.</param>
/// <param name="status">The status the C API returned.</param>
public class DebertaNativeException(string message, DebertaStatus status) : InvalidOperationException(message)
{
    /// <summary>The status the C API returned.</summary>
    public DebertaStatus Status { get; } = status;
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
            deberta_status.DEBERTA_STATUS_NOT_FOUND => new KeyNotFoundException(message),
            deberta_status.DEBERTA_STATUS_TYPE_MISMATCH => new InvalidDataException(message),
            _ => new DebertaNativeException(message, (DebertaStatus)status),
        };
    }

    public static string? Utf8(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((nint)text);
}
