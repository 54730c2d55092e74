namespace DebertaGgml.Gguf;

/// <summary>
/// The metadata reads that build a tokenizer (<see cref="GgufTokenizer"/>) and a model's names, from a GGUF parsed in C#
/// (<see cref="GgufFile"/>) or from the key-value pairs a loaded native model kept (<c>NativeModelMetadata</c>), so
/// one mapping of the keys serves both. Getters throw <see cref="KeyNotFoundException"/> for a missing key and
/// <see cref="InvalidDataException"/> for a value of another type; messages start with <see cref="Path"/>.
/// </summary>
internal interface IGgufMetadata
{
    /// <summary>The file the metadata came from.</summary>
    string Path { get; }
    /// <summary>Whether the file has the key.</summary>
    bool Contains(string key);
    /// <summary>A string value.</summary>
    string GetString(string key);
    /// <summary>A bool value.</summary>
    bool GetBool(string key);
    /// <summary>A uint32 value.</summary>
    uint GetUInt32(string key);
    /// <summary>An array of strings.</summary>
    string[] GetStrings(string key);
    /// <summary>An array of float32.</summary>
    float[] GetFloats(string key);
    /// <summary>An array of int32.</summary>
    int[] GetInt32s(string key);
    /// <summary>An array of uint8.</summary>
    byte[] GetBytes(string key);
}
