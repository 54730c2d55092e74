using System.Text.Json;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>Sharded safetensors: model.safetensors.index.json maps each tensor name to its shard file.</summary>
public sealed class ShardedSafetensors : ICheckpoint
{
    private readonly Dictionary<string, SafetensorsFile> _shards;
    private readonly Dictionary<string, CheckpointTensor> _tensors;

    /// <summary>The index file name, for messages.</summary>
    public string Description { get; }
    /// <summary>Every tensor of every shard by its HF name.</summary>
    public IReadOnlyDictionary<string, CheckpointTensor> Tensors => _tensors;

    private ShardedSafetensors(string description, Dictionary<string, SafetensorsFile> shards, Dictionary<string, CheckpointTensor> tensors)
    {
        Description = description;
        _shards = shards;
        _tensors = tensors;
    }

    /// <summary>Opens every shard the index names.</summary>
    public static ShardedSafetensors Open(string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            weightMap = doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? throw new FormatException($"shard of '{p.Name}' is not a string"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConvertException(indexPath, $"cannot read the shard index: {e.Message}", e);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ConvertException(indexPath, $"invalid shard index: {e.Message}", e);
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = new Dictionary<string, SafetensorsFile>();
        var tensors = new Dictionary<string, CheckpointTensor>();
        try
        {
            foreach (string shardName in weightMap.Values.Distinct())
            {
                if (shardName != Path.GetFileName(shardName))
                    throw new ConvertException(indexPath, $"shard '{shardName}' is not a plain file name");
                string shardPath = Path.Combine(folder, shardName);
                if (!File.Exists(shardPath)) throw new ConvertException(indexPath, $"shard file '{shardName}' does not exist");
                shards.Add(shardName, SafetensorsFile.Open(shardPath));
            }
            foreach (var (name, shardName) in weightMap)
            {
                if (!shards[shardName].Tensors.TryGetValue(name, out var tensor))
                    throw new ConvertException(shards[shardName].Path, $"tensor '{name}' listed in {Path.GetFileName(indexPath)} is not in this shard");
                tensors.Add(name, tensor);
            }
        }
        catch
        {
            foreach (var shard in shards.Values) shard.Dispose();
            throw;
        }
        return new ShardedSafetensors($"{Path.GetFileName(indexPath)} ({shards.Count} shards)", shards, tensors);
    }

    /// <summary>Opens a reader over one tensor's bytes in its shard.</summary>
    public ITensorReader OpenTensor(CheckpointTensor tensor) => _shards[Path.GetFileName(tensor.File)].OpenTensor(tensor);

    /// <summary>Closes every shard.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards.Values) shard.Dispose();
    }
}
