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

    public string[] GetStrings(string key) =>
        Array.ConvertAll(Read<nint>(key, (m, k, p, capacity, n) => NativeMethods.deberta_model_meta_strings(m, k, (byte**)p, capacity, n)),
                         p => Marshal.PtrToStringUTF8(p)!);

    public float[] GetFloats(string key) => Read<float>(key, NativeMethods.deberta_model_meta_floats);

    public int[] GetInt32s(string key) =>
        Array.ConvertAll(Read<long>(key, NativeMethods.deberta_model_meta_ints), v => v is >= int.MinValue and <= int.MaxValue ? (int)v
            : throw new InvalidDataException($"{path}: metadata key '{key}' holds {v}, outside the int32 range"));

    public byte[] GetBytes(string key) => Read<byte>(key, NativeMethods.deberta_model_meta_bytes);

    delegate deberta_status ArrayGetter<T>(ModelHandle model, string key, T* values, nuint capacity, nuint* count) where T : unmanaged;

    // The C API's two calls for an array: its length, then its elements.
    T[] Read<T>(string key, ArrayGetter<T> getter) where T : unmanaged
    {
        nuint n;
        Check(getter(model, key, null, 0, &n));
        var values = new T[checked((int)n)];
        fixed (T* p = values) Check(getter(model, key, p, n, &n));
        return values;
    }

    // A missing key is a KeyNotFoundException, another type an InvalidDataException (NativeErrors), both naming the file.
    void Check(deberta_status status)
    {
        if (status != deberta_status.DEBERTA_STATUS_OK) throw NativeErrors.Create(status, path);
    }
}
