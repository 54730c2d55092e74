using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Razorvine.Pickle;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>A torch storage class (torch.FloatStorage, ...) as referenced by a pickle.</summary>
internal sealed class TorchStorageType(string name, SourceType type, int elementSize) : IObjectConstructor
{
    public string Name { get; } = name;
    public SourceType Type { get; } = type;
    public int ElementSize { get; } = elementSize;

    public object construct(object[] args) => throw new PickleException($"torch.{Name} cannot be constructed");
}

/// <summary>A storage a tensor points into: its key (zip entry name or legacy key) and type.</summary>
internal sealed record StorageRef(string Key, TorchStorageType StorageType, long ElementCount, long ViewOffset);

/// <summary>A tensor as _rebuild_tensor_v2 describes it: a view of a storage.</summary>
internal sealed record PickledTensor(StorageRef Storage, long StorageOffset, long[] Shape, long[] Stride);

/// <summary>collections.OrderedDict: a dictionary whose pickled attributes (_metadata) are accepted and dropped.</summary>
internal sealed class PickledOrderedDict : Hashtable
{
    // Razorvine's BUILD finds it by reflection (GetType().GetMethod on an object): kept for trimmed and NativeAOT apps.
    [DynamicDependency(nameof(__setstate__))]
    public PickledOrderedDict()
    {
    }

    public void __setstate__(Hashtable state)
    {
    }
}

/// <summary>
/// Unpickles torch state dicts with Razorvine.Pickle. Only the globals of <see cref="AllowedGlobals"/> are
/// accepted (checked by <see cref="PickleScanner"/> before unpickling); storages resolve through persistent ids.
/// </summary>
internal sealed class TorchUnpickler : Unpickler
{
    private static readonly TorchStorageType[] StorageTypes =
    [
        new("FloatStorage", SourceType.F32, 4), new("HalfStorage", SourceType.F16, 2), new("BFloat16Storage", SourceType.BF16, 2),
        new("DoubleStorage", SourceType.Unsupported, 8), new("LongStorage", SourceType.Unsupported, 8),
        new("IntStorage", SourceType.Unsupported, 4), new("ShortStorage", SourceType.Unsupported, 2),
        new("CharStorage", SourceType.Unsupported, 1), new("ByteStorage", SourceType.Unsupported, 1),
        new("BoolStorage", SourceType.Unsupported, 1),
    ];

    private static readonly Dictionary<string, IObjectConstructor> Constructors = BuildConstructors();

    public static IReadOnlyCollection<string> AllowedGlobals => Constructors.Keys;

    private readonly string _file;

    static TorchUnpickler()
    {
        foreach (var (name, constructor) in Constructors)
        {
            int dot = name.LastIndexOf('.');
            registerConstructor(name[..dot], name[(dot + 1)..], constructor);
        }
    }

    private TorchUnpickler(string file) => _file = file;

    /// <summary>Checks the globals of one pickle and unpickles it; returns the object and the pickle's length.</summary>
    public static (object Value, int Length) Load(ReadOnlyMemory<byte> data, string file)
    {
        var (end, globals) = PickleScanner.Scan(data.Span, file);
        var forbidden = globals.FirstOrDefault(g => !Constructors.ContainsKey(g));
        if (forbidden != null)
            throw new ConvertException(file, $"pickle references the global '{forbidden}', which is not allowed in a state dict");
        using var unpickler = new TorchUnpickler(file);
        try
        {
            // A copy: Razorvine's ReadOnlyMemory overload ignores the start offset of an array-backed slice.
            return (unpickler.loads(data[..end].ToArray()), end);
        }
        catch (Exception e) when (e is PickleException or InvalidCastException or IndexOutOfRangeException or InvalidOperationException or ArgumentException)
        {
            throw new ConvertException(file, $"cannot read the pickled state dict: {e.Message}", e);
        }
    }

    /// <summary>Persistent id ('storage', type, key, location, numel[, view_metadata]).</summary>
    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: 5 or 6 } t || t[0] as string != "storage" || t[1] is not TorchStorageType type || t[2] is not string key)
            throw new ConvertException(_file, "unexpected persistent id in the pickle (expected a torch storage)");
        long viewOffset = t.Length == 6 && t[5] is object[] { Length: 3 } view ? System.Convert.ToInt64(view[1]) : 0;
        return new StorageRef(key, type, System.Convert.ToInt64(t[4]), viewOffset);
    }

    private static Dictionary<string, IObjectConstructor> BuildConstructors()
    {
        var constructors = new Dictionary<string, IObjectConstructor>
        {
            ["collections.OrderedDict"] = new Construct(_ => new PickledOrderedDict()),
            ["torch._utils._rebuild_tensor_v2"] = new Construct(RebuildTensor),
            ["torch._utils._rebuild_tensor"] = new Construct(RebuildTensor),
            ["torch._utils._rebuild_parameter"] = new Construct(args => args[0]),
        };
        foreach (var type in StorageTypes) constructors[$"torch.{type.Name}"] = type;
        return constructors;
    }

    /// <summary>_rebuild_tensor_v2(storage, storage_offset, size, stride, ...).</summary>
    private static object RebuildTensor(object[] args)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage) throw new PickleException("malformed tensor rebuild arguments");
        return new PickledTensor(storage, System.Convert.ToInt64(args[1]), Longs(args[2]), Longs(args[3]));
    }

    private static long[] Longs(object tuple) =>
        tuple is object[] items ? items.Select(System.Convert.ToInt64).ToArray() : throw new PickleException("tensor size/stride is not a tuple");

    private sealed class Construct(Func<object[], object> build) : IObjectConstructor
    {
        public object construct(object[] args) => build(args);
    }
}
