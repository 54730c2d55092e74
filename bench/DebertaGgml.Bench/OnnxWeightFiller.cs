using System.Runtime.InteropServices;

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
        var entries = Safetensors.ReadHeader(safetensorsPath);
        using var input = new FileStream(safetensorsPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        foreach (var init in manifest.Initializers)
        {
            if (!entries.TryGetValue(init.HfName, out var entry))
                throw new InvalidDataException($"{safetensorsPath}: missing tensor '{init.HfName}' needed by ONNX initializer '{init.Name}'");
            long[] expected = init.Transform == "transpose" ? [init.Shape[1], init.Shape[0]] : init.Shape;
            if (!entry.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{safetensorsPath}: tensor '{init.HfName}' has shape [{string.Join(", ", entry.Shape)}], " +
                                               $"the manifest needs [{string.Join(", ", expected)}]");
            input.Position = entry.Offset;
            Safetensors.AtomicWrite(Path.Combine(outFolder, init.File), output =>
            {
                if (init.Transform == "identity") CopyBytes(input, output, entry.Length);
                else WriteTransposed(input, output, (int)entry.Shape[0], (int)entry.Shape[1]);
            });
        }
    }

    static void CopyBytes(Stream input, Stream output, long length)
    {
        var buffer = new byte[1 << 20];
        while (length > 0)
        {
            int n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
            if (n == 0) throw new EndOfStreamException("checkpoint ended inside a tensor");
            output.Write(buffer, 0, n);
            length -= n;
        }
    }

    static void WriteTransposed(Stream input, Stream output, int rows, int cols)
    {
        var values = new float[(long)rows * cols];
        input.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        var transposed = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                transposed[(long)c * rows + r] = values[(long)r * cols + c];
        output.Write(MemoryMarshal.AsBytes(transposed.AsSpan()));
    }
}
