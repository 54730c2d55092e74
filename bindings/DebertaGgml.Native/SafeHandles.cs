using System.Runtime.InteropServices;

namespace DebertaGgml.Native;

/// <summary>Owns a deberta_model*.</summary>
internal sealed class ModelHandle : SafeHandle
{
    public ModelHandle() : base(IntPtr.Zero, ownsHandle: true) { }
    public override bool IsInvalid => handle == IntPtr.Zero;
    protected override bool ReleaseHandle()
    {
        NativeMethods.deberta_model_free(handle);
        return true;
    }

    /// <summary>Loads a GGUF model; throws with the native reason on failure.</summary>
    public static unsafe ModelHandle Load(string path, deberta_model_params parameters)
    {
        NativeLibraryLoader.EnsureLoaded();
        var result = new ModelHandle();
        nint raw = 0;
        var status = NativeMethods.deberta_model_load(path, &parameters, &raw);
        if (status != deberta_status.DEBERTA_STATUS_OK)
            throw NativeErrors.Create(status, $"cannot load model '{path}'");
        result.SetHandle(raw);
        return result;
    }
}

/// <summary>Owns a deberta_context*. It keeps its model alive while it exists.</summary>
internal sealed class ContextHandle : SafeHandle
{
    ModelHandle? _model;
    bool _modelRefAdded;

    public ContextHandle() : base(IntPtr.Zero, ownsHandle: true) { }
    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.deberta_context_free(handle);
        if (_modelRefAdded) _model!.DangerousRelease();
        return true;
    }

    public static unsafe ContextHandle Create(ModelHandle model, deberta_context_params parameters)
    {
        var result = new ContextHandle();
        bool added = false;
        model.DangerousAddRef(ref added);
        try
        {
            nint raw = 0;
            var status = NativeMethods.deberta_context_create(model, &parameters, &raw);
            NativeErrors.ThrowIfFailed(status, "cannot create inference context");
            result._model = model;
            result._modelRefAdded = added;
            result.SetHandle(raw);
            added = false;
            return result;
        }
        finally
        {
            if (added) model.DangerousRelease();
        }
    }
}
