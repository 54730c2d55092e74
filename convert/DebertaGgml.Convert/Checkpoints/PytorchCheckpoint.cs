using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>
/// pytorch_model.bin in either torch.save format: the zip archive (data.pkl + data/&lt;key&gt; entries) or the
/// legacy stream (magic, protocol and sys-info pickles, the state dict pickle, the storage key list, then each
/// storage as int64 element count + raw bytes). The pickle is read by <see cref="TorchUnpickler"/>.
/// </summary>
public sealed class PytorchCheckpoint : ICheckpoint
{
    /// <summary>HF's name of a PyTorch checkpoint.</summary>
    public const string FileName = "pytorch_model.bin";
    private const int MaxPickleBytes = 256 << 20;
    private const int ChunkBytes = 4 << 20;
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("01950a86a20f9469cfc6c", NumberStyles.HexNumber);

    private readonly FileStream _stream;
    private readonly ZipArchive? _zip;
    private readonly string _zipPrefix = "";
    private readonly Dictionary<string, long> _legacyStorageStarts = [];
    private readonly Dictionary<string, (StorageRef Storage, long Offset)> _locations = [];
    private readonly Dictionary<string, CheckpointTensor> _tensors = [];

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
    /// <summary>The file name, for messages.</summary>
    public string Description => System.IO.Path.GetFileName(Path);
    /// <summary>Every tensor by its HF name.</summary>
    public IReadOnlyDictionary<string, CheckpointTensor> Tensors => _tensors;

    private PytorchCheckpoint(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
        Span<byte> magic = stackalloc byte[4];
        if (stream.Length < 4) throw new ConvertException(path, "file too short to be a PyTorch checkpoint");
        stream.ReadExactly(magic);
        stream.Position = 0;
        if (magic.SequenceEqual("PK\x03\x04"u8))
        {
            try
            {
                _zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw new ConvertException(path, $"corrupt or truncated zip archive: {e.Message}", e);
            }
            var pickleEntry = _zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl") || e.FullName == "data.pkl")
                ?? throw new ConvertException(path, "zip archive has no data.pkl (not a torch.save file)");
            _zipPrefix = pickleEntry.FullName[..^"data.pkl".Length];
            if (pickleEntry.Length > MaxPickleBytes) throw new ConvertException(path, $"data.pkl of {pickleEntry.Length} bytes is absurdly large");
            var pickle = new byte[pickleEntry.Length];
            using (var entryStream = pickleEntry.Open()) entryStream.ReadExactly(pickle);
            AddTensors(TorchUnpickler.Load(pickle, path).Value);
            foreach (var (name, (storage, offset)) in _locations)
                CheckRange(name, offset, _zip.GetEntry(_zipPrefix + "data/" + storage.Key)?.Length
                    ?? throw new ConvertException(path, $"storage '{storage.Key}' of tensor '{name}' is missing from the archive"));
        }
        else
        {
            ReadLegacyLayout();
        }
    }

    /// <summary>Reads the checkpoint's pickle without executing it; throws <see cref="ConvertException"/> for anything but plain tensors.</summary>
    public static PytorchCheckpoint Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConvertException(path, $"cannot open: {e.Message}", e);
        }
        try
        {
            return new PytorchCheckpoint(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void ReadLegacyLayout()
    {
        var head = new byte[(int)Math.Min(_stream.Length, MaxPickleBytes)];
        _stream.ReadExactly(head);
        int pos = 0;
        object Next()
        {
            var (value, length) = TorchUnpickler.Load(head.AsMemory(pos), Path);
            pos += length;
            return value;
        }
        if (Next() is not BigInteger magic || magic != LegacyMagic)
            throw new ConvertException(Path, "not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)");
        if (System.Convert.ToInt64(Next()) != 1001) throw new ConvertException(Path, "unsupported legacy torch.save protocol version");
        if (Next() is IDictionary sysInfo && sysInfo["little_endian"] is false)
            throw new ConvertException(Path, "big-endian checkpoints are not supported");
        AddTensors(Next());
        if (Next() is not ArrayList keys) throw new ConvertException(Path, "storage key list missing after the state dict");

        var storageTypes = _locations.Values.Select(l => l.Storage).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.First().StorageType);
        long position = pos;
        Span<byte> countBytes = stackalloc byte[8];
        foreach (string key in keys.Cast<object>().Select(k => k.ToString()!))
        {
            if (position + 8 > _stream.Length) throw new ConvertException(Path, $"file is truncated before storage '{key}'");
            _stream.Position = position;
            _stream.ReadExactly(countBytes);
            long count = BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            int elementSize = storageTypes.TryGetValue(key, out var type) ? type.ElementSize
                : throw new ConvertException(Path, $"storage '{key}' is listed but no tensor uses it");
            _legacyStorageStarts[key] = position + 8;
            position += 8 + count * elementSize;
            if (count < 0 || position > _stream.Length) throw new ConvertException(Path, $"file is truncated inside storage '{key}'");
        }
        foreach (var (name, (storage, offset)) in _locations)
        {
            if (!_legacyStorageStarts.TryGetValue(storage.Key, out long start))
                throw new ConvertException(Path, $"storage '{storage.Key}' of tensor '{name}' is not in the file");
            CheckRange(name, offset, (storage.ElementCount + storage.ViewOffset) * storage.StorageType.ElementSize);
        }
    }

    private void AddTensors(object stateDict)
    {
        if (stateDict is not IDictionary dict) throw new ConvertException(Path, "the pickle does not hold a state dict");
        foreach (DictionaryEntry entry in dict)
        {
            if (entry.Key is not string name || entry.Value is not PickledTensor t)
                throw new ConvertException(Path, $"state dict entry '{entry.Key}' is not a tensor");
            long expectedStride = 1;
            for (int d = t.Shape.Length - 1; d >= 0; d--)
            {
                if (t.Shape[d] != 1 && t.Stride[d] != expectedStride)
                    throw new ConvertException(Path, $"tensor '{name}' is not contiguous (stride [{string.Join(", ", t.Stride)}])");
                expectedStride *= t.Shape[d];
            }
            var storageType = t.Storage.StorageType;
            _tensors[name] = new CheckpointTensor(name, storageType.Type, t.Shape, Path, storageType.Name);
            _locations[name] = (t.Storage, (t.Storage.ViewOffset + t.StorageOffset) * storageType.ElementSize);
        }
    }

    private void CheckRange(string name, long offset, long storageBytes)
    {
        var (storage, _) = _locations[name];
        long bytes = _tensors[name].ElementCount * storage.StorageType.ElementSize;
        if (offset < 0 || offset + bytes > storageBytes)
            throw new ConvertException(Path, $"tensor '{name}' reaches byte {offset + bytes} of storage '{storage.Key}', which holds {storageBytes}; the file is truncated or corrupt");
    }

    /// <summary>Opens a reader over one tensor's bytes.</summary>
    public ITensorReader OpenTensor(CheckpointTensor tensor)
    {
        if (!_locations.TryGetValue(tensor.Name, out var location) || tensor.File != Path)
            throw new ArgumentException($"tensor '{tensor.Name}' is not in {Path}");
        if (tensor.Type == SourceType.Unsupported)
            throw new ConvertException(Path, $"tensor '{tensor.Name}' is a {tensor.TypeName}; only float, half and bfloat16 tensors are supported");
        if (_zip == null) return new Reader(this, tensor, _stream, _legacyStorageStarts[location.Storage.Key] + location.Offset, ownsStream: false);
        var entry = _zip.GetEntry(_zipPrefix + "data/" + location.Storage.Key)!.Open();
        Skip(entry, location.Offset);
        return new Reader(this, tensor, entry, entry.CanSeek ? entry.Position : 0, ownsStream: true);
    }

    /// <summary>Reads from a zip entry stream (owned) or from the legacy file at a tracked position (shared stream).</summary>
    private sealed class Reader(PytorchCheckpoint file, CheckpointTensor tensor, Stream stream, long position, bool ownsStream) : ITensorReader
    {
        private readonly int _elementSize = CheckpointTensor.ElementBytes(tensor.Type);
        private long _position = position;
        private long _remaining = tensor.ElementCount;
        private byte[] _chunk = [];

        public void Read(Span<float> destination)
        {
            if (destination.Length > _remaining) throw new ArgumentException($"reading past the end of tensor '{tensor.Name}'");
            _remaining -= destination.Length;
            int elementsPerChunk = ChunkBytes / _elementSize;
            for (int start = 0; start < destination.Length; start += elementsPerChunk)
            {
                int count = Math.Min(elementsPerChunk, destination.Length - start);
                if (_chunk.Length < count * _elementSize) _chunk = new byte[count * _elementSize];
                var bytes = _chunk.AsSpan(0, count * _elementSize);
                if (!ownsStream) stream.Position = _position;
                file.ReadExactly(stream, bytes, tensor.Name);
                _position += bytes.Length;
                SourceConversion.ToFloat32(tensor.Type, bytes, destination.Slice(start, count));
            }
        }

        public void Dispose()
        {
            if (ownsStream) stream.Dispose();
        }
    }

    private void Skip(Stream stream, long count)
    {
        if (stream.CanSeek)
        {
            stream.Position = count;
            return;
        }
        var buffer = new byte[Math.Min(count, ChunkBytes)];
        while (count > 0)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0) throw new ConvertException(Path, "unexpected end of a storage entry");
            count -= read;
        }
    }

    private void ReadExactly(Stream stream, Span<byte> buffer, string name)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new ConvertException(Path, $"cannot read tensor '{name}': {e.Message}", e);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _zip?.Dispose();
        _stream.Dispose();
    }
}
