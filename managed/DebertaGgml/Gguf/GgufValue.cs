namespace DebertaGgml.Gguf;

/// <summary>GGUF metadata value types (the numbers are the file format's).</summary>
public enum GgufValueType : uint
{
    /// <summary>uint8.</summary>
    UInt8 = 0,
    /// <summary>int8.</summary>
    Int8 = 1,
    /// <summary>uint16.</summary>
    UInt16 = 2,
    /// <summary>int16.</summary>
    Int16 = 3,
    /// <summary>uint32.</summary>
    UInt32 = 4,
    /// <summary>int32.</summary>
    Int32 = 5,
    /// <summary>float32.</summary>
    Float32 = 6,
    /// <summary>bool (one byte).</summary>
    Bool = 7,
    /// <summary>UTF-8 string with a uint64 length.</summary>
    String = 8,
    /// <summary>Typed array.</summary>
    Array = 9,
    /// <summary>uint64.</summary>
    UInt64 = 10,
    /// <summary>int64.</summary>
    Int64 = 11,
    /// <summary>float64.</summary>
    Float64 = 12,
}

/// <summary>
/// One metadata value. Scalars hold the matching .NET type (uint for UInt32, string for String, ...);
/// arrays hold a typed .NET array (string[], float[], int[], byte[], ...) and their element type.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    /// <summary>A string value.</summary>
    public static GgufValue Of(string value) => new(GgufValueType.String, value);
    /// <summary>A uint32 value.</summary>
    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);
    /// <summary>An int32 value.</summary>
    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);
    /// <summary>A float32 value.</summary>
    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);
    /// <summary>A bool value.</summary>
    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);
    /// <summary>An array of strings.</summary>
    public static GgufValue Of(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    /// <summary>An array of float32.</summary>
    public static GgufValue Of(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);
    /// <summary>An array of int32.</summary>
    public static GgufValue Of(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    /// <summary>An array of uint8.</summary>
    public static GgufValue Of(byte[] values) => new(GgufValueType.Array, values, GgufValueType.UInt8);

    /// <summary>Whether the value is an array (see ElementType).</summary>
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
