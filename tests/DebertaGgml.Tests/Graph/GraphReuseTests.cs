using System.Runtime.InteropServices;
using DebertaGgml.Native;

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
}
