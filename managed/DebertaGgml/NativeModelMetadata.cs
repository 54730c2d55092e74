using System.Runtime.InteropServices;
using DebertaGgml.Gguf;
using DebertaGgml.Native;

namespace DebertaGgml;

/// <summary>
/// The GGUF key-value pairs a loaded native model kept from its one parse of the file (deberta_model_meta_*):
/// <see cref="DebertaModel.Load"/> builds the tokenizer and <see cref="ModelInfo"/> from them instead of parsing the file again.
/// </summary>
internal sealed unsafe class NativeModelMetadata(ModelHandle model, string path) : IGgufMetadata
{
    public string Path => path;

    public bool Contains(string key)
    {
        int type;
        var status = NativeMethods.deberta_model_meta_type(model, key, &type, null, null);
        if (status == deberta_status.DEBERTA_STATUS_NOT_FOUND) return false;
        Check(status);
        return true;
    }

    public string GetString(string key)
    {
        byte* value;
        Check(NativeMethods.deberta_model_meta_string(model, key, &value));
        return Marshal.PtrToStringUTF8((nint)value)!;
    }

    public bool GetBool(string key)
    {
        int value;
        Check(NativeMethods.deberta_model_meta_bool(model, key, &value));
        return value != 0;
    }

    public uint GetUInt32(string key)
    {
        long value;
        Check(NativeMethods.deberta_model_meta_int(model, key, &value));
        return value is >= 0 and <= uint.MaxValue ? (uint)value
            : throw new InvalidDataException($"{path}: metadata key '{key}' = {value} is outside the uint32 range");
    }

    public string[] GetStrings(string key)
    {
        nuint n;
        Check(NativeMethods.deberta_model_meta_strings(model, key, null, 0, &n));
        var pointers = new nint[checked((int)n)];
        fixed (nint* p = pointers) Check(NativeMethods.deberta_model_meta_strings(model, key, (byte**)p, n, &n));
        return Array.ConvertAll(pointers, p => Marshal.PtrToStringUTF8(p)!);
    }

    public float[] GetFloats(string key)
    {
        nuint n;
        Check(NativeMethods.deberta_model_meta_floats(model, key, null, 0, &n));
        var values = new float[checked((int)n)];
        fixed (float* p = values) Check(NativeMethods.deberta_model_meta_floats(model, key, p, n, &n));
        return values;
    }

    public int[] GetInt32s(string key)
    {
        nuint n;
        Check(NativeMethods.deberta_model_meta_ints(model, key, null, 0, &n));
        var values = new long[checked((int)n)];
        fixed (long* p = values) Check(NativeMethods.deberta_model_meta_ints(model, key, p, n, &n));
        return Array.ConvertAll(values, v => v is >= int.MinValue and <= int.MaxValue ? (int)v
            : throw new InvalidDataException($"{path}: metadata key '{key}' holds {v}, outside the int32 range"));
    }

    public byte[] GetBytes(string key)
    {
        nuint n;
        Check(NativeMethods.deberta_model_meta_bytes(model, key, null, 0, &n));
        var values = new byte[checked((int)n)];
        fixed (byte* p = values) Check(NativeMethods.deberta_model_meta_bytes(model, key, p, n, &n));
        return values;
    }

    // A missing key is a KeyNotFoundException, another type an InvalidDataException (NativeErrors), both naming the file.
    void Check(deberta_status status)
    {
        if (status != deberta_status.DEBERTA_STATUS_OK) throw NativeErrors.Create(status, path);
    }
}
