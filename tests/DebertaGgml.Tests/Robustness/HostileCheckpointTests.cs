using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using DebertaGgml.Bench;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.Convert;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Robustness;

/// <summary>Checkpoints built to hurt the converter: compression bombs, and a conversion killed midway.</summary>
public class HostileCheckpointTests : IDisposable
{
    readonly ConvertFixtures.TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The v3-Model fixture with only its zip pytorch_model.bin, entries rewritten by edit.</summary>
    string ModelWithRewrittenBin(Action<string, Stream, ZipArchive> edit)
    {
        string folder = ConvertFixtures.CopyModel("v3-Model", _temp);
        File.Delete(Path.Combine(folder, "model.safetensors"));
        string bin = Path.Combine(folder, "pytorch_model.bin");
        string rewritten = bin + ".new";
        using (var source = ZipFile.OpenRead(bin))
        using (var target = ZipFile.Open(rewritten, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                edit(entry.FullName, input, target);
            }
        }
        File.Move(rewritten, bin, overwrite: true);
        return folder;
    }

    static void CopyEntry(ZipArchive target, string name, Stream input, long zeroPadding = 0)
    {
        using var output = target.CreateEntry(name, CompressionLevel.Fastest).Open();
        input.CopyTo(output);
        var zeros = new byte[1 << 20];
        for (long left = zeroPadding; left > 0; left -= zeros.Length) output.Write(zeros, 0, (int)Math.Min(zeros.Length, left));
    }

    [Fact]
    public void A_pickle_that_inflates_far_beyond_its_compressed_size_is_rejected_without_inflating_it()
    {
        string folder = ModelWithRewrittenBin((name, input, target) =>
            CopyEntry(target, name, input, name.EndsWith("data.pkl", StringComparison.Ordinal) ? 300L << 20 : 0));
        Assert.True(new FileInfo(Path.Combine(folder, "pytorch_model.bin")).Length < 8 << 20, "the bomb should be small on disk");

        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, _temp.File("out.gguf")));
        Assert.Contains("data.pkl", e.Message);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore < 64L << 20, "the pickle was inflated");
        Assert.False(File.Exists(_temp.File("out.gguf")));
    }

    [Fact]
    public void A_storage_entry_that_inflates_beyond_its_tensor_is_read_only_as_far_as_the_tensor_goes()
    {
        // 400 MB of zeros after the first storage's real bytes: offsets stay valid, the tail must never be read.
        string folder = ModelWithRewrittenBin((name, input, target) =>
            CopyEntry(target, name, input, name.EndsWith("/data/0", StringComparison.Ordinal) ? 400L << 20 : 0));
        var clock = Stopwatch.StartNew();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        string output = _temp.File("out.gguf");
        HfToGgufConverter.Convert(folder, output, new ConvertOptions { WeightsFile = "pytorch_model.bin" });
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore < 128L << 20, "the padded storage was read whole");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");

        string reference = ConvertedModels.Get("v3-Model");
        using var expected = GgufFile.Open(reference);
        using var actual = GgufFile.Open(output);
        foreach (var t in expected.Tensors)
            Assert.Equal(expected.ReadTensorData(t), actual.ReadTensorData(actual.GetTensor(t.Name)));
    }

    [Fact]
    public void Killing_a_conversion_midway_never_leaves_a_partial_model_file()
    {
        // The v3 fixture with a 40 MB embedding, so that writing takes long enough to be interrupted.
        string folder = Path.Combine(_temp.Path, "big");
        var config = JsonNode.Parse(File.ReadAllText(Repo.Fixtures("models", "v3-Model", "config.json")))!.AsObject();
        config["vocab_size"] = 320_000;
        var fixture = ConvertFixtures.ReadSafetensors(ConvertFixtures.Model("v3-Model"));
        var shapes = fixture.Select(kv => (kv.Key, kv.Key.Contains("word_embeddings") ? [320_000, kv.Value.Shape[1]] : kv.Value.Shape)).ToList();
        SyntheticCheckpoint.Write(folder, config, shapes, seed: 5);
        foreach (string file in new[] { "spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json" })
            File.Copy(Repo.Fixtures("models", "v3-Model", file), Path.Combine(folder, file));

        string outDir = Path.Combine(_temp.Path, "out");
        Directory.CreateDirectory(outDir);
        string target = Path.Combine(outDir, "model.gguf");
        bool interrupted = false;
        for (int attempt = 0; attempt < 5 && !interrupted; attempt++)
        {
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Repo.CliDll, "convert", folder, "-o", target, "--type", "q8_0" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && Directory.GetFiles(outDir, ".model.gguf.*.tmp").Length == 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(1);
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                interrupted = true;
            }
            p.WaitForExit();
            Assert.False(File.Exists(target), "a killed conversion left a model file in place");
        }
        Assert.True(interrupted, "the conversion always finished before it could be killed");

        // The next run replaces nothing it should not, and produces a complete file.
        var r = CliProcess.Run(["convert", folder, "-o", target, "--type", "q8_0"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var gguf = GgufFile.Open(target);
        Assert.Equal(GgmlType.Q8_0, gguf.GetTensor("token_embd.weight").Type);
    }
}
