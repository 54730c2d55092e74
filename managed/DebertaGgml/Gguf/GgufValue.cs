namespace DebertaGgml.Gguf;

/// <summary>GGUF metadata value types (the numbers are the file format's).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>
/// One metadata value. Scalars hold the matching .NET type (uint for UInt32, string for String, ...);
/// arrays hold a typed .NET array (string[], float[], int[], byte[], ...) and their element type.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufValue Of(string value) => new(GgufValueType.String, value);
    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);
    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue Of(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    public static GgufValue Of(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);
    public static GgufValue Of(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    public static GgufValue Of(byte[] values) => new(GgufValueType.Array, values, GgufValueType.UInt8);

    public bool IsArray => Type == GgufValueType.Array;

    /// <summary>Element count of an array value.</summary>
    public int Count => IsArray ? ((Array)Value).Length : 1;

    /// <summary>Short human-readable rendering (arrays abbreviated), for inspection output.</summary>
    public override string ToString()
    {
        if (!IsArray) return Value is string s ? $"\"{s}\"" : Convert.ToString(Value, System.Globalization.CultureInfo.InvariantCulture)!;
        var items = ((Array)Value).Cast<object>().Take(8)
            .Select(v => v is string s ? $"\"{s}\"" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture));
        var more = Count > 8 ? $", ... ({Count} items)" : "";
        return $"[{string.Join(", ", items)}{more}]";
    }
}
