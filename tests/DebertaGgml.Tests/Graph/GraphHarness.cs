using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>What one evaluation returned (flattened like the C API's buffers).</summary>
internal sealed record EvalResult(float[] LastHidden, float[]? AllHidden, float[]? Logits, float[]? Start, float[]? End);

/// <summary>A loaded model plus one context, driven through the generated bindings.</summary>
internal sealed unsafe class NativeModel : IDisposable
{
    readonly ModelHandle _model;
    readonly ContextHandle _context;
    public deberta_model_info Info { get; }

    public NativeModel(string gguf, int maxBatch = 8, int maxTokens = 512, int threads = 2, bool mmap = true)
    {
        NativeLibraryLoader.EnsureLoaded();
        var mp = NativeMethods.deberta_model_default_params();
        mp.use_mmap = mmap ? 1 : 0;
        _model = ModelHandle.Load(gguf, mp);
        deberta_model_info info;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_model_get_info(_model, &info), "info");
        Info = info;
        var cp = NativeMethods.deberta_context_default_params();
        cp.max_batch = maxBatch;
        cp.max_tokens = maxTokens;
        cp.n_threads = threads;
        _context = ContextHandle.Create(_model, cp);
    }

    public nint Context => _context.DangerousGetHandle();

    public EvalResult Eval(int b, int c, int t, int[] ids, int[] mask, int[]? types, bool allHidden = false, bool head = true)
    {
        int n = b * c * t, h = Info.hidden_size;
        var last = new float[n * h];
        float[]? all = allHidden ? new float[n * h * (Info.num_hidden_layers + 1)] : null;
        var kind = (deberta_head)Info.head;
        bool qa = kind == deberta_head.DEBERTA_HEAD_QUESTION_ANSWERING;
        int headSize = kind switch
        {
            deberta_head.DEBERTA_HEAD_SEQUENCE_CLASSIFICATION => b * Info.num_labels,
            deberta_head.DEBERTA_HEAD_MULTIPLE_CHOICE => b * c,
            deberta_head.DEBERTA_HEAD_TOKEN_CLASSIFICATION => n * Info.num_labels,
            deberta_head.DEBERTA_HEAD_MASKED_LM => n * Info.vocab_size,
            _ => 0,
        };
        float[]? logits = head && headSize > 0 && !qa ? new float[headSize] : null;
        float[]? start = head && qa ? new float[n] : null, end = head && qa ? new float[n] : null;
        fixed (int* pi = ids, pm = mask, pt = types)
        fixed (float* pl = last, pa = all, pg = logits, ps = start, pe = end)
        {
            var batch = new deberta_batch { input_ids = pi, attention_mask = pm, token_type_ids = pt, n_batch = b, n_choices = c, n_tokens = t };
            var outs = new deberta_outputs
            {
                last_hidden_state = pl, last_hidden_state_size = (nuint)last.Length,
                hidden_states = pa, hidden_states_size = (nuint)(all?.Length ?? 0),
                logits = pg, logits_size = (nuint)(logits?.Length ?? 0),
                start_logits = ps, start_logits_size = (nuint)(start?.Length ?? 0),
                end_logits = pe, end_logits_size = (nuint)(end?.Length ?? 0),
            };
            NativeErrors.ThrowIfFailed(NativeMethods.deberta_context_eval(_context, &batch, &outs), "eval");
        }
        return new EvalResult(last, all, logits, start, end);
    }

    public EvalResult Eval(RefBatch r, bool allHidden = false) =>
        Eval(r.B, r.C, r.T, r.InputIds, r.AttentionMask, r.TokenTypeIds, allHidden);

    public void Dispose()
    {
        _context.Dispose();
        _model.Dispose();
    }
}

/// <summary>Max |expected - actual| over real tokens (attention_mask = 1).</summary>
internal static class Compare
{
    public static double AtRealTokens(double[] expected, float[] actual, int[] mask, int width, long offset = 0)
    {
        double worst = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            for (int k = 0; k < width; k++)
                worst = Math.Max(worst, Math.Abs(expected[i * width + k] - actual[offset + (long)i * width + k]));
        }
        return worst;
    }

    public static double All(double[] expected, float[] actual) =>
        expected.Select((e, i) => Math.Abs(e - actual[i])).DefaultIfEmpty(0).Max();
}
