using System.Text;

namespace DebertaGgml.Gguf;

/// <summary>
/// A GGUF file opened for reading: metadata and tensor infos are parsed eagerly, tensor data is read on demand.
/// Every size read from the file is checked against the file length, so a corrupt or hostile header fails
/// with <see cref="InvalidDataException"/> naming the file instead of allocating absurd amounts.
/// </summary>
public sealed class GgufFile : IDisposable, IGgufMetadata
{
    private const int MaxDimensions = 4;
    private readonly FileStream _stream;
    private readonly Dictionary<string, GgufValue> _metadata;

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }
    /// <summary>Every key-value pair in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }
    /// <summary>Every tensor description in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    /// <summary>File position of the data section.</summary>
    public long DataOffset { get; }
    /// <summary>Alignment of tensor data (general.alignment, else 32).</summary>
    public int Alignment { get; }
    /// <summary>Length of the file in bytes.</summary>
    public long FileLength => _stream.Length;

    private GgufFile(string path, FileStream stream, uint version, List<KeyValuePair<string, GgufValue>> metadata,
        List<GgufTensorInfo> tensors, long dataOffset, int alignment)
    {
        Path = path;
        _stream = stream;
        Version = version;
        Metadata = metadata;
        _metadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        Tensors = tensors;
        DataOffset = dataOffset;
        Alignment = alignment;
    }

    /// <summary>Reads and validates the header; throws <see cref="InvalidDataException"/> for a damaged file.</summary>
    public static GgufFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FileNotFoundException($"{path}: cannot open GGUF file: {e.Message}", path, e);
        }
        try
        {
            return Parse(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static GgufFile Parse(string path, FileStream stream)
    {
        var r = new HeaderReader(path, stream);
        if (stream.Length < 24 || !r.ReadBytes(4).AsSpan().SequenceEqual("GGUF"u8))
            throw new InvalidDataException($"{path}: not a GGUF file (bad magic)");
        uint version = r.ReadUInt32();
        if (version is not (2 or 3)) throw new InvalidDataException($"{path}: unsupported GGUF version {version}");
        ulong tensorCount = r.ReadCount(minBytesEach: 24, "tensor count");
        ulong kvCount = r.ReadCount(minBytesEach: 13, "metadata count");

        var metadata = new List<KeyValuePair<string, GgufValue>>((int)kvCount);
        for (ulong i = 0; i < kvCount; i++)
        {
            string key = r.ReadString();
            var type = (GgufValueType)r.ReadUInt32();
            metadata.Add(new(key, r.ReadValue(type, key)));
        }
        int alignment = 32;
        var alignmentValue = metadata.FirstOrDefault(kv => kv.Key == "general.alignment").Value;
        if (alignmentValue != null)
        {
            alignment = Convert.ToInt32(alignmentValue.Value);
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
                throw new InvalidDataException($"{path}: general.alignment {alignment} is not a power of two");
        }

        var tensors = new List<GgufTensorInfo>((int)tensorCount);
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = r.ReadString();
            uint nDims = r.ReadUInt32();
            if (nDims is 0 or > MaxDimensions) throw new InvalidDataException($"{path}: tensor '{name}' has {nDims} dimensions");
            var dims = new long[nDims];
            for (int d = 0; d < nDims; d++)
            {
                ulong ne = r.ReadUInt64();
                if (ne == 0 || ne > int.MaxValue) throw new InvalidDataException($"{path}: tensor '{name}' has dimension {ne}");
                dims[d] = (long)ne;
            }
            var type = (GgmlType)r.ReadUInt32();
            if (!GgmlTypes.IsKnown(type)) throw new InvalidDataException($"{path}: tensor '{name}' has unsupported type {(uint)type}");
            tensors.Add(new GgufTensorInfo(name, dims, type, r.ReadUInt64()));
        }

        long dataOffset = (r.Position + alignment - 1) / alignment * alignment;
        foreach (var t in tensors)
        {
            long size;
            try { size = t.ByteSize; }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}: tensor '{t.Name}': {e.Message}"); }
            if (t.Offset % (ulong)alignment != 0 || t.Offset > (ulong)stream.Length || dataOffset + (long)t.Offset + size > stream.Length)
                throw new InvalidDataException($"{path}: tensor '{t.Name}' data (offset {t.Offset}, {size} bytes) lies outside the file ({stream.Length} bytes); the file is truncated or corrupt");
        }
        var byOffset = tensors.OrderBy(t => t.Offset).ToList();
        for (int i = 1; i < byOffset.Count; i++)
            if (byOffset[i - 1].Offset + (ulong)byOffset[i - 1].ByteSize > byOffset[i].Offset)
                throw new InvalidDataException($"{path}: tensors '{byOffset[i - 1].Name}' and '{byOffset[i].Name}' overlap");
        if (tensors.Select(t => t.Name).Distinct().Count() != tensors.Count)
            throw new InvalidDataException($"{path}: a tensor name appears twice");
        return new GgufFile(path, stream, version, metadata, tensors, dataOffset, alignment);
    }

    /// <summary>The value of a key, if present.</summary>
    public bool TryGet(string key, out GgufValue value) => _metadata.TryGetValue(key, out value!);

    /// <summary>Whether the file has the key.</summary>
    public bool Contains(string key) => _metadata.ContainsKey(key);

    /// <summary>The value of a key; throws <see cref="KeyNotFoundException"/> when absent.</summary>
    public GgufValue Get(string key) =>
        _metadata.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"{Path}: metadata key '{key}' is missing");

    /// <summary>A string value; throws when absent or of another type.</summary>
    public string GetString(string key) => As<string>(key, GgufValueType.String);
    /// <summary>A bool value; throws when absent or of another type.</summary>
    public bool GetBool(string key) => As<bool>(key, GgufValueType.Bool);
    /// <summary>A float32 value; throws when absent or of another type.</summary>
    public float GetFloat32(string key) => As<float>(key, GgufValueType.Float32);
    /// <summary>A uint32 value; throws when absent or of another type.</summary>
    public uint GetUInt32(string key) => As<uint>(key, GgufValueType.UInt32);
    /// <summary>An int32 value; throws when absent or of another type.</summary>
    public int GetInt32(string key) => As<int>(key, GgufValueType.Int32);

    /// <summary>An array value; <typeparamref name="T"/> must match its element type (string, float, int, byte, ...).</summary>
    public T[] GetArray<T>(string key)
    {
        var value = Get(key);
        return value.IsArray && value.Value is T[] items
            ? items
            : throw new InvalidDataException($"{Path}: metadata key '{key}' is {Describe(value)}, expected an array of {typeof(T).Name}");
    }

    string[] IGgufMetadata.GetStrings(string key) => GetArray<string>(key);
    float[] IGgufMetadata.GetFloats(string key) => GetArray<float>(key);
    int[] IGgufMetadata.GetInt32s(string key) => GetArray<int>(key);
    byte[] IGgufMetadata.GetBytes(string key) => GetArray<byte>(key);

    /// <summary>A tensor's description; throws when absent.</summary>
    public GgufTensorInfo GetTensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"{Path}: tensor '{name}' is missing");

    /// <summary>Reads a tensor's raw bytes (as stored, in its GGUF type).</summary>
    public byte[] ReadTensorData(GgufTensorInfo tensor)
    {
        var data = new byte[tensor.ByteSize];
        ReadTensorData(tensor, data);
        return data;
    }

    /// <summary>Reads a tensor's bytes into <paramref name="destination"/> (exactly its byte size).</summary>
    public void ReadTensorData(GgufTensorInfo tensor, Span<byte> destination)
    {
        if (destination.Length != tensor.ByteSize)
            throw new ArgumentException($"tensor '{tensor.Name}' holds {tensor.ByteSize} bytes, the buffer {destination.Length}");
        ReadTensorData(tensor, 0, destination);
    }

    /// <summary>Reads part of a tensor's bytes, starting <paramref name="byteOffset"/> bytes into it.</summary>
    public void ReadTensorData(GgufTensorInfo tensor, long byteOffset, Span<byte> destination)
    {
        if (byteOffset < 0 || byteOffset + destination.Length > tensor.ByteSize)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"bytes {byteOffset}..{byteOffset + destination.Length} are outside tensor '{tensor.Name}' ({tensor.ByteSize} bytes)");
        _stream.Position = DataOffset + (long)tensor.Offset + byteOffset;
        _stream.ReadExactly(destination);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();

    private T As<T>(string key, GgufValueType expected)
    {
        var value = Get(key);
        return value.Type == expected && value.Value is T typed
            ? typed
            : throw new InvalidDataException($"{Path}: metadata key '{key}' is {Describe(value)}, expected {expected}");
    }

    private static string Describe(GgufValue value) => value.IsArray ? $"an array of {value.ElementType}" : value.Type.ToString();

    /// <summary>Bounds-checked little-endian reads from the header.</summary>
    private sealed class HeaderReader(string path, FileStream stream)
    {
        private readonly BinaryReader _r = new(new BufferedStream(stream, 1 << 16), Encoding.UTF8, leaveOpen: true);
        // Read once: FileStream.Length asks the OS (fstat) on every call, and the bounds checks run per value.
        private readonly long _length = stream.Length;
        private long _position;

        public long Position => _position;

        private long Remaining => _length - _position;

        public byte[] ReadBytes(int count)
        {
            Need(count);
            _position += count;
            return _r.ReadBytes(count);
        }

        public uint ReadUInt32() { Need(4); _position += 4; return _r.ReadUInt32(); }
        public ulong ReadUInt64() { Need(8); _position += 8; return _r.ReadUInt64(); }

        /// <summary>A count whose items need at least <paramref name="minBytesEach"/> bytes each in the rest of the file.</summary>
        public ulong ReadCount(int minBytesEach, string what)
        {
            ulong count = ReadUInt64();
            if (count > (ulong)(Remaining / minBytesEach))
                throw new InvalidDataException($"{path}: {what} {count} is larger than the file can hold");
            return count;
        }

        public string ReadString()
        {
            ulong length = ReadUInt64();
            if (length > (ulong)Remaining) throw new InvalidDataException($"{path}: string length {length} at byte {_position - 8} runs past the end of the file");
            return Encoding.UTF8.GetString(ReadBytes((int)length));
        }

        public GgufValue ReadValue(GgufValueType type, string key)
        {
            if (type != GgufValueType.Array) return new GgufValue(type, ReadScalar(type, key));
            var elementType = (GgufValueType)ReadUInt32();
            ulong count = ReadCount(MinSize(elementType, key), $"array length of '{key}'");
            Array items = elementType switch
            {
                GgufValueType.UInt8 => ReadBytes((int)count),
                GgufValueType.String => Fill(new string[count], _ => ReadString()),
                GgufValueType.Float32 => Fill(new float[count], _ => (float)ReadScalar(elementType, key)),
                GgufValueType.Int32 => Fill(new int[count], _ => (int)ReadScalar(elementType, key)),
                GgufValueType.UInt32 => Fill(new uint[count], _ => (uint)ReadScalar(elementType, key)),
                GgufValueType.Array => Fill(new GgufValue[count], _ => ReadValue(GgufValueType.Array, key)),
                _ => Fill(new object[count], _ => ReadScalar(elementType, key)),
            };
            return new GgufValue(GgufValueType.Array, items, elementType);
        }

        private static T[] Fill<T>(T[] items, Func<int, T> read)
        {
            for (int i = 0; i < items.Length; i++) items[i] = read(i);
            return items;
        }

        private object ReadScalar(GgufValueType type, string key)
        {
            int size = MinSize(type, key);
            if (type == GgufValueType.String) return ReadString();
            Need(size);
            _position += size;
            return type switch
            {
                GgufValueType.UInt8 => _r.ReadByte(),
                GgufValueType.Int8 => _r.ReadSByte(),
                GgufValueType.UInt16 => _r.ReadUInt16(),
                GgufValueType.Int16 => _r.ReadInt16(),
                GgufValueType.UInt32 => _r.ReadUInt32(),
                GgufValueType.Int32 => _r.ReadInt32(),
                GgufValueType.Float32 => _r.ReadSingle(),
                GgufValueType.Bool => _r.ReadByte() != 0,
                GgufValueType.UInt64 => _r.ReadUInt64(),
                GgufValueType.Int64 => _r.ReadInt64(),
                GgufValueType.Float64 => _r.ReadDouble(),
                _ => throw new InvalidDataException($"{path}: metadata key '{key}' has unknown value type {(uint)type}"),
            };
        }

        private int MinSize(GgufValueType type, string key) => type switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
            GgufValueType.Array => 12,
            _ => throw new InvalidDataException($"{path}: metadata key '{key}' has unknown value type {(uint)type}"),
        };

        private void Need(long count)
        {
            if (count > Remaining)
                throw new InvalidDataException($"{path}: unexpected end of file at byte {_position} (the file is truncated)");
        }
    }
}
