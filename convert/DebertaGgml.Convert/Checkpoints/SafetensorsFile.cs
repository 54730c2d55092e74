using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>
/// A .safetensors file: an 8-byte header length, a JSON header {name: {dtype, shape, data_offsets}}, then the data.
/// The header is validated against the file (sizes, offsets, overlaps) before any tensor is read.
/// </summary>
public sealed class SafetensorsFile : ICheckpoint
{
    /// <summary>Headers beyond this are treated as corrupt (real ones are well under a megabyte).</summary>
    public const long MaxHeaderBytes = 100L << 20;

    private const int ChunkElements = 1 << 20;
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, CheckpointTensor> _tensors;
    private readonly Dictionary<string, long> _dataOffsets;

    /// <summary>The safetensors file.</summary>
    public string Path { get; }
    /// <summary>The file name, for messages.</summary>
    public string Description => System.IO.Path.GetFileName(Path);
    /// <summary>Every tensor by its HF name.</summary>
    public IReadOnlyDictionary<string, CheckpointTensor> Tensors => _tensors;

    private SafetensorsFile(string path, SafeFileHandle handle, Dictionary<string, CheckpointTensor> tensors, Dictionary<string, long> dataOffsets)
    {
        Path = path;
        _handle = handle;
        _tensors = tensors;
        _dataOffsets = dataOffsets;
    }

    /// <summary>Reads and validates the header; throws <see cref="ConvertException"/> when it lies about sizes or offsets.</summary>
    public static SafetensorsFile Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConvertException(path, $"cannot open: {e.Message}", e);
        }
        try
        {
            var (tensors, offsets) = ParseHeader(path, handle);
            return new SafetensorsFile(path, handle, tensors, offsets);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, CheckpointTensor>, Dictionary<string, long>) ParseHeader(string path, SafeFileHandle handle)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8) throw new ConvertException(path, "truncated safetensors file (no header)");
        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(handle, lengthBytes, 0);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw new ConvertException(path, $"safetensors header of {headerLength} bytes is absurdly large (limit {MaxHeaderBytes})");
        if ((long)headerLength > fileLength - 8)
            throw new ConvertException(path, $"safetensors header of {headerLength} bytes runs past the end of the file ({fileLength} bytes); the file is truncated");
        var headerBytes = new byte[headerLength];
        RandomAccess.Read(handle, headerBytes, 8);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var tensors = new Dictionary<string, CheckpointTensor>();
        var offsets = new Dictionary<string, long>();
        var ranges = new List<(long Begin, long End, string Name)>();
        try
        {
            using var doc = JsonDocument.Parse(headerBytes);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("the header is not a JSON object");
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var info = entry.Value;
                string dtype = info.GetProperty("dtype").GetString() ?? "";
                var shape = info.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var dataOffsets = info.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (dataOffsets.Length != 2) throw new FormatException($"tensor '{entry.Name}' needs two data_offsets");
                if (shape.Any(d => d < 0)) throw new FormatException($"tensor '{entry.Name}' has a negative dimension");
                var type = dtype switch
                {
                    "F32" => SourceType.F32,
                    "F16" => SourceType.F16,
                    "BF16" => SourceType.BF16,
                    _ => SourceType.Unsupported,
                };
                long begin = dataOffsets[0], end = dataOffsets[1];
                if (begin < 0 || end < begin || end > dataLength)
                    throw new ConvertException(path, $"tensor '{entry.Name}' has data_offsets [{begin}, {end}] outside the {dataLength} data bytes; the header lies or the file is truncated");
                var tensor = new CheckpointTensor(entry.Name, type, shape, path, dtype);
                if (type != SourceType.Unsupported && end - begin != tensor.ElementCount * CheckpointTensor.ElementBytes(type))
                    throw new ConvertException(path, $"tensor '{entry.Name}' ({dtype} {tensor.ShapeText}) needs {tensor.ElementCount * CheckpointTensor.ElementBytes(type)} bytes but data_offsets span {end - begin}");
                tensors.Add(entry.Name, tensor);
                offsets.Add(entry.Name, dataStart + begin);
                ranges.Add((begin, end, entry.Name));
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw new ConvertException(path, $"invalid safetensors header: {e.Message}", e);
        }
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < ranges.Count; i++)
            if (ranges[i].Begin < ranges[i - 1].End)
                throw new ConvertException(path, $"tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap in the data section; the header lies");
        return (tensors, offsets);
    }

    /// <summary>Opens a reader over one tensor's bytes.</summary>
    public ITensorReader OpenTensor(CheckpointTensor tensor)
    {
        if (!_dataOffsets.TryGetValue(tensor.Name, out long offset) || tensor.File != Path)
            throw new ArgumentException($"tensor '{tensor.Name}' is not in {Path}");
        if (tensor.Type == SourceType.Unsupported)
            throw new ConvertException(Path, $"tensor '{tensor.Name}' has dtype {tensor.TypeName}; only F32, F16 and BF16 are supported");
        return new Reader(this, tensor, offset);
    }

    /// <summary>Every value of the tensor <paramref name="name"/> as float32, for tensors small enough to hold at once.</summary>
    public float[] ReadAll(string name)
    {
        if (!_tensors.TryGetValue(name, out var tensor)) throw new ConvertException(Path, $"no tensor '{name}'");
        var values = new float[tensor.ElementCount];
        using var reader = OpenTensor(tensor);
        reader.Read(values);
        return values;
    }

    private sealed class Reader(SafetensorsFile file, CheckpointTensor tensor, long offset) : ITensorReader
    {
        private long _offset = offset;
        private long _remaining = tensor.ElementCount;
        private byte[] _chunk = [];

        public void Read(Span<float> destination)
        {
            if (destination.Length > _remaining) throw new ArgumentException($"reading past the end of tensor '{tensor.Name}'");
            _remaining -= destination.Length;
            if (tensor.Type == SourceType.F32)
            {
                file.ReadExactly(MemoryMarshal.AsBytes(destination), _offset, tensor.Name);
                _offset += 4L * destination.Length;
                return;
            }
            for (int start = 0; start < destination.Length; start += ChunkElements)
            {
                int count = Math.Min(ChunkElements, destination.Length - start);
                if (_chunk.Length < count * 2) _chunk = new byte[count * 2];
                var bytes = _chunk.AsSpan(0, count * 2);
                file.ReadExactly(bytes, _offset, tensor.Name);
                _offset += bytes.Length;
                SourceConversion.ToFloat32(tensor.Type, bytes, destination.Slice(start, count));
            }
        }

        public void Dispose()
        {
        }
    }

    private void ReadExactly(Span<byte> buffer, long offset, string name)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(_handle, buffer, offset);
            if (read == 0) throw new ConvertException(Path, $"unexpected end of file while reading tensor '{name}'");
            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
