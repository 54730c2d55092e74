using System.Runtime.InteropServices;
using DebertaGgml.Convert;
using DebertaGgml.Convert.Checkpoints;

namespace DebertaGgml.Bench;

/// <summary>
/// Puts the peer ONNX graph next to its external weight files, written from an HF safetensors checkpoint exactly
/// as the manifest says (name -> file, hf_name, shape, identity/transpose): the C# counterpart of fill_weights.py.
/// </summary>
public static class OnnxWeightFiller
{
    const string StampFile = "filled-from.txt";

    /// <summary>Fills <paramref name="outFolder"/> unless it was already filled from this very checkpoint file.</summary>
    public static string Ensure(PeerManifest manifest, string safetensorsPath, string outFolder)
    {
        var source = new FileInfo(safetensorsPath);
        if (!source.Exists) throw new FileNotFoundException($"checkpoint not found: {safetensorsPath}", safetensorsPath);
        string stamp = $"{source.FullName} {source.Length} {source.LastWriteTimeUtc.Ticks}";
        string stampPath = Path.Combine(outFolder, StampFile);
        if (File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp) return Path.Combine(outFolder, Path.GetFileName(manifest.GraphPath));

        Directory.CreateDirectory(outFolder);
        File.Delete(stampPath);
        Fill(manifest, safetensorsPath, outFolder);
        File.Copy(manifest.GraphPath, Path.Combine(outFolder, Path.GetFileName(manifest.GraphPath)), overwrite: true);
        File.WriteAllText(stampPath, stamp);
        return Path.Combine(outFolder, Path.GetFileName(manifest.GraphPath));
    }

    /// <summary>Writes one .bin per initializer; fails naming the tensor on a missing tensor or a shape mismatch.</summary>
    public static void Fill(PeerManifest manifest, string safetensorsPath, string outFolder)
    {
        using var checkpoint = SafetensorsFile.Open(safetensorsPath);
        foreach (var init in manifest.Initializers)
        {
            if (!checkpoint.Tensors.TryGetValue(init.HfName, out var tensor))
                throw new InvalidDataException($"{safetensorsPath}: missing tensor '{init.HfName}' needed by ONNX initializer '{init.Name}'");
            long[] expected = init.Transform == "transpose" ? [init.Shape[1], init.Shape[0]] : init.Shape;
            if (!tensor.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{safetensorsPath}: tensor '{init.HfName}' has shape [{string.Join(", ", tensor.Shape)}], " +
                                               $"the manifest needs [{string.Join(", ", expected)}]");
            AtomicFile.Write(Path.Combine(outFolder, init.File), output =>
            {
                using var reader = checkpoint.OpenTensor(tensor);
                if (init.Transform == "identity") CopyValues(reader, output, tensor.ElementCount);
                else WriteTransposed(reader, output, (int)tensor.Shape[0], (int)tensor.Shape[1]);
            });
        }
    }

    static void CopyValues(ITensorReader reader, Stream output, long count)
    {
        var buffer = new float[1 << 18];
        for (long done = 0; done < count; done += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - done));
            reader.Read(chunk);
            output.Write(MemoryMarshal.AsBytes(chunk));
        }
    }

    static void WriteTransposed(ITensorReader reader, Stream output, int rows, int cols)
    {
        var values = new float[(long)rows * cols];
        reader.Read(values);
        var transposed = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                transposed[(long)c * rows + r] = values[(long)r * cols + c];
        output.Write(MemoryMarshal.AsBytes(transposed.AsSpan()));
    }
}
