using System.Runtime.InteropServices;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>Graph caching: lengths within one bucket (a multiple of 8 tokens) reuse one graph and its allocation.</summary>
public unsafe class GraphReuseTests
{
    readonly record struct Counters(long Builds, long Plans, long Allocs);

    static Counters Read(NativeModel model)
    {
        NativeLibraryLoader.EnsureLoaded();
        var library = NativeLibrary.Load(NativeLibraryLoader.Info.LibraryPath);
        var read = (delegate* unmanaged<nint, long*, long*, long*, int>)NativeLibrary.GetExport(library, "deberta_testing_context_counters");
        long builds, plans, allocs;
        Assert.Equal(0, read(model.Context, &builds, &plans, &allocs));
        return new Counters(builds, plans, allocs);
    }

    static EvalResult EvalLength(NativeModel model, int sequences, int length, int real)
    {
        int[] ids = new int[sequences * length], mask = new int[sequences * length];
        for (int s = 0; s < sequences; s++)
            for (int t = 0; t < real; t++)
            {
                ids[s * length + t] = 1 + (7 * t + s) % 1900;
                mask[s * length + t] = 1;
            }
        return model.Eval(sequences, 1, length, ids, mask, null);
    }

    [Fact]
    public void Repeated_and_same_bucket_shapes_neither_rebuild_nor_reallocate()
    {
        using var model = new NativeModel(ConvertedModels.Get("v3-SequenceClassification"), maxBatch: 4, maxTokens: 64);
        // Creation builds and plans the largest graph (to size the buffers) but allocates nothing yet.
        Assert.Equal(new Counters(1, 1, 0), Read(model));

        var first = EvalLength(model, 2, 9, 9);
        var afterFirst = Read(model);
        Assert.Equal(new Counters(2, 2, 1), afterFirst);
        // Every length in 9..16 runs on the 16-token graph: nothing is built, planned or allocated again.
        for (int round = 0; round < 3; round++)
            for (int length = 9; length <= 16; length++)
            {
                var result = EvalLength(model, 2, length, 9);
                for (int s = 0; s < 2; s++)
                    for (int i = 0; i < 9 * model.Info.hidden_size; i++)
                        Assert.Equal(first.LastHidden[s * 9 * model.Info.hidden_size + i], result.LastHidden[s * length * model.Info.hidden_size + i], 5);
            }
        Assert.Equal(afterFirst, Read(model));

        // Another bucket, then back: one build, plan and allocation per change of graph.
        EvalLength(model, 2, 17, 9);
        EvalLength(model, 2, 12, 9);
        Assert.Equal(new Counters(afterFirst.Builds + 2, afterFirst.Plans + 2, afterFirst.Allocs + 2), Read(model));
    }

    [Fact]
    public void Switching_outputs_replans_and_keeps_every_output_correct()
    {
        // The graph with every hidden state has the same node and leaf counts as the one without, in another order:
        // reusing the old plan crashed; each switch must re-plan and give the same values.
        var batch = FixtureRef.Load("v3-Model").Batches.First(b => b.Name == "short_padded");
        using var model = new NativeModel(ConvertedModels.Get("v3-Model"), maxBatch: 4, maxTokens: 64);
        var all = model.Eval(batch, allHidden: true);
        for (int round = 0; round < 2; round++)
        {
            var lastOnly = model.Eval(batch);
            var again = model.Eval(batch, allHidden: true);
            Assert.Equal(all.LastHidden, lastOnly.LastHidden);
            Assert.Equal(all.AllHidden, again.AllHidden);
        }
    }

    [Fact]
    public void Position_rows_computed_on_demand_agree_whatever_order_lengths_come_in()
    {
        // Loading computes no position rows; each evaluation adds the rows its length needs. Long then short and
        // short then long must give the same values (and the same as HF: the fixture tests cover each length).
        string gguf = ConvertedModels.Get("v3-SequenceClassification");
        using var longFirst = new NativeModel(gguf, maxBatch: 2, maxTokens: 64);
        using var shortFirst = new NativeModel(gguf, maxBatch: 2, maxTokens: 64);
        var long1 = EvalLength(longFirst, 2, 48, 45);
        var short1 = EvalLength(longFirst, 2, 5, 5);
        var short2 = EvalLength(shortFirst, 2, 5, 5);
        var long2 = EvalLength(shortFirst, 2, 48, 45);
        AssertClose(long1.LastHidden, long2.LastHidden);
        AssertClose(short1.LastHidden, short2.LastHidden);
    }

    [Fact]
    public void Contexts_sharing_a_model_extend_its_position_rows_safely()
    {
        // Two contexts of one model evaluate different lengths at once: one extends the rows while the other reads
        // the rows it needs. Every result must equal the one from an evaluation alone.
        string gguf = ConvertedModels.Get("v3-SequenceClassification");
        int[] lengths = [3, 60, 9, 33, 17, 50, 5, 41];
        var alone = new Dictionary<int, float[]>();
        using (var model = DebertaModel.Load(gguf, new DebertaModelOptions { MaxBatch = 1, MaxConcurrency = 1 }))
            foreach (int length in lengths) alone[length] = model.Evaluate(Input(length), ModelOutputKinds.LastHiddenState).LastHiddenState!;
        using var shared = DebertaModel.Load(gguf, new DebertaModelOptions { MaxBatch = 1, MaxConcurrency = 2, Threads = 1 });
        Parallel.For(0, 2 * lengths.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            int length = lengths[i % 2 == 0 ? i / 2 : lengths.Length - 1 - i / 2];
            AssertClose(alone[length], shared.Evaluate(Input(length), ModelOutputKinds.LastHiddenState).LastHiddenState!);
        });

        static ModelInput Input(int length)
        {
            var ids = Enumerable.Range(0, length).Select(t => 1 + (7 * t) % 1900).ToArray();
            return new ModelInput(ids, Enumerable.Repeat(1, length).ToArray(), null, 1, length);
        }
    }

    static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"[{i}] {expected[i]} vs {actual[i]}");
    }
}
