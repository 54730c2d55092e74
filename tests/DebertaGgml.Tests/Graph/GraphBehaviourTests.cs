using System.Text.Json;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>Padding and batch independence, limits and bad input, and the `deberta eval` contract.</summary>
public class GraphBehaviourTests
{
    [Theory]
    [InlineData("v3-SequenceClassification")]
    [InlineData("legacy-Model")]
    [InlineData("v2conv-Model")]
    public void Real_token_outputs_do_not_depend_on_padding_or_batch_neighbours(string fixture)
    {
        var batch = FixtureRef.Load(fixture).Batches.First(b => b.Name == "short_padded");
        using var model = new NativeModel(ConvertedModels.Get(fixture));
        int h = model.Info.hidden_size, t = batch.T;
        var together = model.Eval(batch);
        for (int s = 0; s < batch.B; s++)
        {
            // The same sequence alone, without padding, and alone with extra padding.
            int real = batch.AttentionMask.Skip(s * t).Take(t).Sum();
            foreach (int length in new[] { real, t + 7 })
            {
                int[] ids = new int[length], mask = new int[length], types = new int[length];
                Array.Copy(batch.InputIds, s * t, ids, 0, real);
                Array.Copy(batch.TokenTypeIds, s * t, types, 0, real);
                Array.Fill(mask, 1, 0, real);
                var alone = model.Eval(1, 1, length, ids, mask, types);
                double worst = 0;
                for (int i = 0; i < real * h; i++)
                    worst = Math.Max(worst, Math.Abs(alone.LastHidden[i] - together.LastHidden[s * t * h + i]));
                Assert.True(worst < 1e-5, $"sequence {s} at length {length}: {worst:E3}");
                if (together.Logits != null && model.Info.head == 1)
                    for (int k = 0; k < model.Info.num_labels; k++)
                        Assert.Equal(together.Logits[s * model.Info.num_labels + k], alone.Logits![k], 5);
            }
        }
        // Reversing the batch order moves rows but changes no value.
        int n = batch.B;
        int[] Reverse(int[] a) => Enumerable.Range(0, n).Reverse().SelectMany(s => a.Skip(s * t).Take(t)).ToArray();
        var reversed = model.Eval(n, 1, t, Reverse(batch.InputIds), Reverse(batch.AttentionMask), Reverse(batch.TokenTypeIds));
        for (int s = 0; s < n; s++)
            for (int i = 0; i < t * h; i++)
                if (batch.AttentionMask[s * t + i / h] == 1)
                    Assert.Equal(together.LastHidden[s * t * h + i], reversed.LastHidden[(n - 1 - s) * t * h + i], 5);
    }

    [Fact]
    public void Sequences_longer_than_the_absolute_position_table_are_rejected()
    {
        using var model = new NativeModel(ConvertedModels.Get("legacy-Model"), maxBatch: 1, maxTokens: 600);
        Assert.Equal(512, model.Info.max_sequence_length);
        int[] ids = new int[513], mask = Enumerable.Repeat(1, 513).ToArray();
        var e = Assert.Throws<ArgumentException>(() => model.Eval(1, 1, 513, ids, mask, null));
        Assert.Contains("limit of 512", e.Message);
        // Relative-only models accept longer sequences (up to the stated limit).
        using var relative = new NativeModel(ConvertedModels.Get("v3-Model"), maxBatch: 1, maxTokens: 600);
        Assert.Equal(8192, relative.Info.max_sequence_length);
        var ok = relative.Eval(1, 1, 600, ids.Concat(new int[87]).ToArray(), Enumerable.Repeat(1, 600).ToArray(), null);
        Assert.All(ok.LastHidden, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Out_of_range_ids_are_an_argument_error_not_a_crash()
    {
        using var model = new NativeModel(ConvertedModels.Get("v3-Model"), maxBatch: 1, maxTokens: 8);
        var e = Assert.Throws<ArgumentException>(() => model.Eval(1, 1, 2, [1, 99999], [1, 1], null));
        Assert.Contains("outside the vocabulary", e.Message);
    }

    [Fact]
    public void Truncated_or_mistyped_files_are_errors_naming_the_problem()
    {
        string good = ConvertedModels.Get("v3-Model");
        string dir = Directory.CreateTempSubdirectory("deberta-bad-gguf-").FullName;
        try
        {
            var bytes = File.ReadAllBytes(good);
            string truncated = Path.Combine(dir, "truncated.gguf");
            File.WriteAllBytes(truncated, bytes[..(bytes.Length - 100)]);
            var e = Assert.Throws<InvalidDataException>(() => new NativeModel(truncated));
            Assert.Contains("beyond the end of the file", e.Message);

            // general.architecture's type byte (string = 8) turned into uint32 = 4.
            int key = IndexOf(bytes, "general.architecture"u8.ToArray());
            var mistyped = (byte[])bytes.Clone();
            mistyped[key + "general.architecture".Length] = 4;
            string mistypedPath = Path.Combine(dir, "mistyped.gguf");
            File.WriteAllBytes(mistypedPath, mistyped);
            Assert.ThrowsAny<Exception>(() => new NativeModel(mistypedPath));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static TheoryData<string> AllRefs => new(FixtureRef.Names);

    /// <summary>`deberta eval` on each fixture's first batch, as the acceptance checks run it, against the fp64 reference.</summary>
    [Theory]
    [MemberData(nameof(AllRefs))]
    public void Cli_eval_reproduces_the_reference(string name)
    {
        var reference = FixtureRef.Load(name);
        var batch = reference.Batches[0];
        string dir = Directory.CreateTempSubdirectory("deberta-cli-eval-").FullName;
        try
        {
            string input = Path.Combine(dir, "batch.json"), output = Path.Combine(dir, "out.json");
            // The file's nesting: [B][T], or [B][C][T] for multiple choice.
            object Nested(int[][] rows) => batch.MultipleChoice ? rows.Chunk(batch.C).ToArray() : rows;
            File.WriteAllText(input, JsonSerializer.Serialize(new { input_ids = Nested(batch.InputIdRows), attention_mask = Nested(batch.AttentionMaskRows), token_type_ids = Nested(batch.TokenTypeIdRows) }));
            var run = CliProcess.Run(["eval", ConvertedModels.Get(name), "--input", input, "--output", output, "--all-hidden", "--threads", "1"]);
            Assert.True(run.ExitCode == 0, run.StdErr);
            using var result = JsonDocument.Parse(File.ReadAllBytes(output));
            var root = result.RootElement;
            float[] Got(string key) => new JsonTensor(root.GetProperty(key)).Flat().Select(x => (float)x).ToArray();
            int[] mask = batch.AttentionMask;

            Assert.Equal(reference.Layers + 1, root.GetProperty("hidden_states").GetArrayLength());
            double[] expectedLast = batch.Fp64.TryGet("last_hidden_state", out var lhs)
                ? lhs.Flat()
                : batch.Fp64["hidden_states"][reference.Layers].Flat();
            Assert.True(Compare.AtRealTokens(expectedLast, Got("last_hidden_state"), mask, reference.Hidden) < 1e-4, "last_hidden_state");

            switch (reference.Head)
            {
                case "QuestionAnswering":
                    foreach (var key in new[] { "start_logits", "end_logits" })
                        Assert.True(Compare.AtRealTokens(batch.Fp64.Flat(key), Got(key), mask, 1) < 1e-4, key);
                    break;
                case "TokenClassification":
                    var expected = batch.Fp64.Flat("logits");
                    Assert.True(Compare.AtRealTokens(expected, Got("logits"), mask, expected.Length / mask.Length) < 1e-4, "logits");
                    break;
                case "MaskedLM":
                    var rows = batch.Fp64.Flat("logits_rows");
                    var logits = Got("logits");
                    for (int r = 0; r < batch.LogitsRows.Length; r++)
                    {
                        var (bi, ti) = batch.LogitsRows[r];
                        long at = ((long)bi * batch.T + ti) * reference.Vocab;
                        for (int v = 0; v < reference.Vocab; v++)
                            Assert.True(Math.Abs(rows[(long)r * reference.Vocab + v] - logits[at + v]) < 2e-4, $"row {r} token {v}");
                    }
                    break;
                case "Model":
                    Assert.False(root.TryGetProperty("logits", out _));
                    break;
                default: // sequence classification, regression, multiple choice: one row per sequence
                    Assert.True(Compare.All(batch.Fp64.Flat("logits"), Got("logits")) < 1e-4, "logits");
                    break;
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("not found");
    }
}
