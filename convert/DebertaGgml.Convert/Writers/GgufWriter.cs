using System.Text;

using DebertaGgml.Gguf;

namespace DebertaGgml.Convert;

/// <summary>
/// Writes a GGUF v3 file in one pass: metadata and tensor descriptions are declared first (sizes follow
/// from shape and type), then <see cref="WriteHeader"/> emits them and tensor bytes are streamed in
/// declaration order with <see cref="WriteTensorData"/>, so no tensor has to be held in memory twice.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>The GGUF version written.</summary>
    public const uint Version = 3;
    /// <summary>Alignment of the tensor data (general.alignment is not written; this is GGUF's default).</summary>
    public const int Alignment = 32;

    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly List<GgufTensorInfo> _tensors = [];
    private ulong _nextOffset;
    private Stream? _output;
    private int _currentTensor;
    private long _remainingInCurrent;
    private long _bytesWritten;

    /// <summary>The tensors declared so far, with their offsets in the data section.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors;

    /// <summary>Sets a metadata key (replacing an earlier value of the same key, keeping its position).</summary>
    public void Set(string key, GgufValue value)
    {
        EnsureNotStarted();
        int index = _metadata.FindIndex(kv => kv.Key == key);
        if (index >= 0) _metadata[index] = new(key, value);
        else _metadata.Add(new(key, value));
    }

    /// <summary>Declares a tensor (ggml dimension order, innermost first); its bytes follow in declaration order.</summary>
    public GgufTensorInfo AddTensor(string name, long[] dimensions, GgmlType type)
    {
        EnsureNotStarted();
        if (_tensors.Any(t => t.Name == name)) throw new ArgumentException($"tensor '{name}' is declared twice");
        var info = new GgufTensorInfo(name, dimensions, type, _nextOffset);
        _nextOffset += (ulong)AlignUp(info.ByteSize);
        _tensors.Add(info);
        return info;
    }

    /// <summary>Writes magic, metadata and tensor infos, and positions the stream at the first tensor's data.</summary>
    public void WriteHeader(Stream output)
    {
        EnsureNotStarted();
        _output = output;
        var header = new MemoryStream();
        var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            WriteString(w, key);
            w.Write((uint)value.Type);
            WriteValue(w, value);
        }
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dimensions.Length);
            foreach (long d in t.Dimensions) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write(t.Offset);
        }
        w.Flush();
        WritePadding(header, header.Length);
        header.Position = 0;
        header.CopyTo(output);
        _bytesWritten = header.Length;
        _currentTensor = 0;
        _remainingInCurrent = _tensors.Count > 0 ? _tensors[0].ByteSize : 0;
    }

    /// <summary>Appends bytes of the current tensor; a tensor may arrive in several pieces.</summary>
    public void WriteTensorData(ReadOnlySpan<byte> data)
    {
        var output = _output ?? throw new InvalidOperationException("WriteHeader must be called before tensor data");
        while (!data.IsEmpty)
        {
            if (_currentTensor >= _tensors.Count)
                throw new InvalidOperationException("more tensor data written than the declared tensors hold");
            int take = (int)Math.Min(_remainingInCurrent, data.Length);
            output.Write(data[..take]);
            _bytesWritten += take;
            _remainingInCurrent -= take;
            data = data[take..];
            if (_remainingInCurrent == 0) AdvanceTensor(output);
        }
    }

    /// <summary>Checks that every declared tensor received all its bytes and flushes.</summary>
    public void Complete()
    {
        var output = _output ?? throw new InvalidOperationException("WriteHeader must be called before Complete");
        if (_currentTensor < _tensors.Count)
            throw new InvalidOperationException($"tensor '{_tensors[_currentTensor].Name}' is missing {_remainingInCurrent} bytes of data");
        output.Flush();
    }

    private void AdvanceTensor(Stream output)
    {
        _bytesWritten += WritePadding(output, _bytesWritten);
        _currentTensor++;
        _remainingInCurrent = _currentTensor < _tensors.Count ? _tensors[_currentTensor].ByteSize : 0;
    }

    private void EnsureNotStarted()
    {
        if (_output != null) throw new InvalidOperationException("the GGUF header has already been written");
    }

    internal static long AlignUp(long value) => (value + Alignment - 1) / Alignment * Alignment;

    private static int WritePadding(Stream stream, long position)
    {
        int padding = (int)(AlignUp(position) - position);
        Span<byte> zeros = stackalloc byte[Alignment];
        stream.Write(zeros[..padding]);
        return padding;
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue value)
    {
        if (value.IsArray)
        {
            var array = (Array)value.Value;
            w.Write((uint)value.ElementType);
            w.Write((ulong)array.Length);
            foreach (var item in array) WriteScalar(w, value.ElementType, item!);
        }
        else
        {
            WriteScalar(w, value.Type, value.Value);
        }
    }

    private static void WriteScalar(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(System.Convert.ToByte(value)); break;
            case GgufValueType.Int8: w.Write(System.Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: w.Write(System.Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: w.Write(System.Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: w.Write(System.Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: w.Write(System.Convert.ToInt32(value)); break;
            case GgufValueType.Float32: w.Write(System.Convert.ToSingle(value)); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(System.Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: w.Write(System.Convert.ToInt64(value)); break;
            case GgufValueType.Float64: w.Write(System.Convert.ToDouble(value)); break;
            default: throw new NotSupportedException($"GGUF value type {type} cannot be written as a scalar");
        }
    }
}
