using System.Text.Json;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Robustness;

/// <summary>Tests that measure the whole process's memory run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "process memory";
}

/// <summary>
/// A model inside a long-lived service: shared by many threads, disposed while in use, cancelled, called
/// thousands of times. Results must not change, nothing may crash, and memory must not grow.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public class ModelLifetimeTests
{
    static readonly string Classifier = ConvertedModels.Get("v3-SequenceClassification");

    static readonly string[] Texts =
    [
        "The manual page is displayed by the pager.",
        "Emoji 😀 and 日本語 text, numbers 12345; a [MASK] too.",
        "",
        "short",
        string.Join(' ', Enumerable.Repeat("a rather long sentence about archives and compression", 12)),
    ];

    // One call of a kind, rendered to a string so results compare exactly.
    static string Call(DebertaModel model, int kind, int i) => (kind % 5) switch
    {
        0 => JsonSerializer.Serialize(model.Classify(Texts[i % Texts.Length])),
        1 => JsonSerializer.Serialize(model.Classify(Texts[i % Texts.Length], Texts[(i + 1) % Texts.Length])),
        2 => JsonSerializer.Serialize(model.Classify(Texts)),
        3 => JsonSerializer.Serialize(model.Embed(Texts[i % Texts.Length])),
        _ => JsonSerializer.Serialize(model.Rerank(Texts[i % Texts.Length], Texts)),
    };

    [Fact]
    public void Eight_threads_and_a_thousand_mixed_calls_give_the_single_threaded_results()
    {
        using var model = DebertaModel.Load(Classifier, new DebertaModelOptions { Threads = 1, MaxConcurrency = 8 });
        var expected = new Dictionary<(int, int), string>();
        for (int kind = 0; kind < 5; kind++)
            for (int i = 0; i < Texts.Length; i++)
                expected[(kind, i)] = Call(model, kind, i);

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            int kind = n % 5, i = (n / 5) % Texts.Length;
            string actual = Call(model, kind, i);
            if (actual != expected[(kind, i)]) failures.Add($"call {n} (kind {kind}, text {i}) differs");
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void Disposing_during_use_gives_ObjectDisposedException_and_never_crashes()
    {
        for (int round = 0; round < 5; round++)
        {
            var model = DebertaModel.Load(Classifier, new DebertaModelOptions { Threads = 1, MaxConcurrency = 4 });
            using var start = new Barrier(5);
            var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var workers = Enumerable.Range(0, 4).Select(w => new Thread(() =>
            {
                start.SignalAndWait();
                for (int n = 0; n < 200; n++)
                {
                    try
                    {
                        Call(model, n + w, n);
                    }
                    catch (Exception e)
                    {
                        errors.Add(e);
                        return;
                    }
                }
            })).ToArray();
            foreach (var worker in workers) worker.Start();
            start.SignalAndWait();
            Thread.Sleep(5 * round);
            model.Dispose();
            model.Dispose(); // a second Dispose is harmless
            foreach (var worker in workers) worker.Join();
            Assert.All(errors, e => Assert.IsType<ObjectDisposedException>(e));
            Assert.Throws<ObjectDisposedException>(() => model.Classify("after dispose"));
        }
    }

    [Fact]
    public void Models_that_are_never_disposed_are_freed_by_finalizers()
    {
        static long HeapAfterCollect()
        {
            for (int i = 0; i < 3; i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
            return NativeHeap.InUseBytes();
        }

        // A large window makes each context's compute buffers big enough to see in the native heap.
        static void LoadAndForget()
        {
            var model = DebertaModel.Load(Classifier, new DebertaModelOptions { Threads = 1, MaxBatch = 8, MaxSequenceLength = 512 });
            model.Classify("kept alive only by this call");
        }

        long before = HeapAfterCollect();
        long peak = before;
        for (int i = 0; i < 12; i++)
        {
            LoadAndForget();
            peak = Math.Max(peak, NativeHeap.InUseBytes());
        }
        long after = HeapAfterCollect();
        Assert.True(peak - before > 16L << 20, $"expected the contexts to occupy memory: before {before >> 20} MB, peak {peak >> 20} MB");
        Assert.True(after - before < (peak - before) / 4,
            $"finalizers left memory behind: before {before >> 20} MB, peak {peak >> 20} MB, after {after >> 20} MB");
    }

    [Fact]
    public void Ten_thousand_evaluations_keep_memory_flat()
    {
        using var model = DebertaModel.Load(Classifier, new DebertaModelOptions { Threads = 1 });
        var inputs = Enumerable.Range(0, 8).Select(i =>
        {
            int t = 6 + 5 * i;
            var ids = Enumerable.Range(0, t).Select(j => j == 0 ? 1 : j == t - 1 ? 2 : 5 + (j * 37 + i) % 1900).ToArray();
            return new ModelInput(ids, Enumerable.Repeat(1, t).ToArray(), null, 1, t);
        }).ToArray();

        for (int n = 0; n < 1000; n++) model.Evaluate(inputs[n % inputs.Length]);
        GC.Collect();
        long warm = Rss.CurrentBytes();
        for (int n = 0; n < 10_000; n++) model.Evaluate(inputs[n % inputs.Length]);
        GC.Collect();
        long end = Rss.CurrentBytes();
        Assert.True(end <= warm * 1.05, $"RSS grew from {warm >> 20} MB to {end >> 20} MB over 10,000 evaluations");
    }

    [Fact]
    public void A_cancelled_batch_job_stops_and_leaves_the_model_usable()
    {
        using var model = DebertaModel.Load(DebertaGgml.Tests.Api.DemoModelTests.CommittedModel, new DebertaModelOptions { Threads = 1 });
        // Long enough (several seconds of work) that a 50 ms cancel always lands mid-job, even on an idle machine.
        var texts = Enumerable.Range(0, 4000)
            .Select(i => $"Sentence number {i} about the archive, written in plain English words, " + string.Join(' ', Enumerable.Repeat("again and again", 20)))
            .ToArray();
        var expected = model.Classify(texts.Take(16).ToArray());

        using var cts = Cancel.After(TimeSpan.FromMilliseconds(50));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Classify(texts, cancellationToken: cts.Token));
        var cancelledAfter = clock.Elapsed;
        clock.Restart();
        var again = model.Classify(texts.Take(16).ToArray());
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(again));
        model.Classify(texts.Take(400).ToArray());
        var tenth = clock.Elapsed;
        Assert.True(cancelledAfter < tenth * 10, $"cancelled after {cancelledAfter}, the whole job takes about {tenth * 10}");
    }
}

/// <summary>
/// Bytes the C heap has handed out and not taken back (glibc mallinfo2: arena plus mmapped blocks). Unlike
/// RSS it drops as soon as memory is freed, whatever the allocator keeps cached.
/// </summary>
internal static partial class NativeHeap
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
    }

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static partial MallInfo2 mallinfo2();

    public static long InUseBytes()
    {
        var info = mallinfo2();
        return (long)info.UordBlks + (long)info.HBlkHd;
    }
}

/// <summary>The process's resident set size, from /proc.</summary>
internal static class Rss
{
    public static long CurrentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("no VmRSS in /proc/self/status");
    }
}
