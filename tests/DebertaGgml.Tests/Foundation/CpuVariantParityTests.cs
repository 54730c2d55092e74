using System.Runtime.InteropServices;
using System.Text.Json;
using DebertaGgml.Native;
using DebertaGgml.Tests.Graph;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

/// <summary>
/// Every ggml CPU variant this processor can run (ggml's own score above 0) gives the F32 reference outputs. A process
/// loads one variant, so each runs `deberta eval` in its own process with DEBERTA_CPU_VARIANT set.
/// </summary>
public class CpuVariantParityTests
{
    const string Fixture = "v3-SequenceClassification";
    const double F32Tolerance = 1e-4;  // docs/graph.md, as the in-process F32 reference tests

    /// <summary>The variants whose ggml_backend_score is positive here, asked the way ggml's loader asks.</summary>
    static unsafe List<string> RunnableVariants()
    {
        string dir = NativeLibraryLoader.Info.Directory;
        var runnable = new List<string>();
        foreach (string path in Directory.GetFiles(dir, "libggml-cpu-*.so").Order(StringComparer.Ordinal))
        {
            nint handle = NativeLibrary.Load(path);
            try
            {
                var score = (delegate* unmanaged<int>)NativeLibrary.GetExport(handle, "ggml_backend_score");
                if (score() > 0) runnable.Add(Path.GetFileNameWithoutExtension(path)["libggml-cpu-".Length..]);
            }
            finally
            {
                NativeLibrary.Free(handle);
            }
        }
        return runnable;
    }

    [Fact]
    public void Every_runnable_variant_reproduces_the_f32_reference()
    {
        var variants = RunnableVariants();
        Assert.Contains("x64", variants);  // the baseline build runs on any x86-64
        var reference = FixtureRef.Load(Fixture);
        var batch = reference.Batches[0];
        string model = ConvertedModels.Get(Fixture);
        string dir = Directory.CreateTempSubdirectory("deberta-variants-").FullName;
        try
        {
            string input = Path.Combine(dir, "batch.json");
            File.WriteAllText(input, JsonSerializer.Serialize(new Dictionary<string, int[][]>
            {
                ["input_ids"] = batch.InputIdRows, ["attention_mask"] = batch.AttentionMaskRows, ["token_type_ids"] = batch.TokenTypeIdRows,
            }));
            double[] expectedHidden = batch.Fp64.Flat("last_hidden_state"), expectedLogits = batch.Fp64.Flat("logits");
            foreach (string variant in variants)
            {
                string output = Path.Combine(dir, variant + ".json");
                var r = CliProcess.Run(["eval", model, "--input", input, "--output", output],
                    new Dictionary<string, string?> { [NativeLibraryLoader.VariantEnvironmentVariable] = variant });
                Assert.True(r.ExitCode == 0, $"{variant}: {r.StdErr}");
                using var doc = JsonDocument.Parse(File.ReadAllBytes(output));
                float[] hidden = Floats(doc.RootElement.GetProperty("last_hidden_state"));
                float[] logits = Floats(doc.RootElement.GetProperty("logits"));
                double hiddenError = Compare.AtRealTokens(expectedHidden, hidden, batch.AttentionMask, reference.Hidden);
                double logitsError = Compare.All(expectedLogits, logits);
                Assert.True(hiddenError <= F32Tolerance && logitsError <= F32Tolerance,
                    $"{variant}: max |diff| hidden {hiddenError:E3}, logits {logitsError:E3} > {F32Tolerance:E1}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static float[] Floats(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Floats).ToArray() : [e.GetSingle()];
}
