using System.Collections.Concurrent;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tokenization;

namespace DebertaGgml;

/// <summary>
/// A DeBERTa-v2/v3 model loaded from a GGUF file, with its tokenizer and the task pipelines
/// (<c>Classify</c>, <c>FillMask</c>, <c>ExtractEntities</c>, ...).
/// <para>
/// Concurrency: a model is safe to share across threads. The weights are immutable; every evaluation
/// borrows a native context (compute buffers) from a pool, creating one on first need up to
/// <see cref="DebertaModelOptions.MaxConcurrency"/>; further callers wait for a free one. Dispose the model
/// only after the calls using it have finished; calls made after Dispose throw <see cref="ObjectDisposedException"/>.
/// </para>
/// </summary>
public sealed unsafe partial class DebertaModel : IDisposable
{
    readonly ModelHandle _handle;
    readonly DebertaModelOptions _options;
    readonly ConcurrentBag<ContextHandle> _idleContexts = new();
    readonly ConcurrentQueue<ContextHandle> _allContexts = new();
    readonly SemaphoreSlim _contextSlots;
    volatile bool _disposed;

    /// <summary>Architecture, hyperparameters, head, labels and tokenizer settings.</summary>
    public ModelInfo Info { get; }
    /// <summary>The model's own tokenizer, rebuilt from the GGUF (thread-safe).</summary>
    public DebertaTokenizer Tokenizer { get; }
    /// <summary>Longest sequence an evaluation accepts: the model's limit, or the smaller option.</summary>
    public int MaxSequenceLength { get; }
    /// <summary>Most sequences (times choices) one evaluation takes (<see cref="DebertaModelOptions.MaxBatch"/>).</summary>
    public int MaxBatch => _options.MaxBatch;

    DebertaModel(ModelHandle handle, DebertaModelOptions options, ModelInfo info, DebertaTokenizer tokenizer)
    {
        _handle = handle;
        _options = options;
        Info = info;
        Tokenizer = tokenizer;
        // Relative-position models accept long sequences, but compute buffers grow with the square of the length:
        // without an explicit option the window is the C API's default (512), as HF's model_max_length.
        MaxSequenceLength = Math.Min(info.MaxSequenceLength, options.MaxSequenceLength ?? NativeMethodsDefaults.ContextParams().max_tokens);
        _contextSlots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
    }

    /// <summary>
    /// Loads a GGUF written by the converter (weights, hyperparameters, labels and tokenizer). A HuggingFace
    /// checkpoint (a folder with config.json, or a .safetensors / .bin file) is not converted on the fly: the
    /// <see cref="InvalidDataException"/> names the <c>deberta convert</c> command that makes the GGUF.
    /// </summary>
    public static DebertaModel Load(string path, DebertaModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= DebertaModelOptions.Default;
        options.Validate();
        if (HuggingFaceCheckpoint.Recognize(path, out string convert))
            throw new InvalidDataException(HuggingFaceCheckpoint.Explain(path, convert));
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' does not exist", path);

        var parameters = NativeMethodsDefaults.ModelParams();
        parameters.device = (int)options.Device;
        parameters.use_mmap = options.UseMemoryMap ? 1 : 0;
        // The native load parses the file once and keeps its metadata: the tokenizer and the names are read from
        // there, so the file is opened once (docs/BENCHMARKS.md, finding 23).
        var handle = ModelHandle.Load(path, parameters);
        try
        {
            var metadata = new NativeModelMetadata(handle, path);
            if (!metadata.Contains(GgufTokenizer.Model))
                throw new InvalidDataException($"{path}: the GGUF has no tokenizer (no tokenizer.* keys); convert the checkpoint with `deberta convert`");
            var tokenizer = GgufTokenizer.Read(metadata);
            var built = DebertaTokenizer.FromModelData(tokenizer);
            return new DebertaModel(handle, options, ReadInfo(path, handle, metadata, tokenizer), built);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    static ModelInfo ReadInfo(string path, ModelHandle handle, NativeModelMetadata metadata, TokenizerModelData tokenizer)
    {
        deberta_model_info native;
        var model = handle;
        NativeErrors.ThrowIfFailed(NativeMethods.deberta_model_get_info(model, &native), $"cannot read model info of '{path}'");
        var labels = Enumerable.Range(0, native.num_labels)
            .Select(i => NativeErrors.Utf8(NativeMethods.deberta_model_label(model, i)) ?? $"LABEL_{i}")
            .ToArray();
        string Text(string key) => metadata.Contains(key) ? metadata.GetString(key) : "";
        return new ModelInfo
        {
            Path = System.IO.Path.GetFullPath(path),
            Name = Text(GgufKeys.Name),
            Architecture = Text(GgufKeys.HfArchitecture),
            Head = (ModelHead)native.head,
            Labels = labels,
            ProblemType = Text(GgufKeys.ProblemType),
            VocabSize = native.vocab_size,
            HiddenSize = native.hidden_size,
            EmbeddingSize = native.embedding_size,
            NumHiddenLayers = native.num_hidden_layers,
            NumAttentionHeads = native.num_attention_heads,
            IntermediateSize = native.intermediate_size,
            MaxPositionEmbeddings = native.max_position_embeddings,
            TypeVocabSize = native.type_vocab_size,
            NumLabels = native.num_labels,
            RelativeAttention = native.relative_attention != 0,
            PositionBuckets = native.position_buckets,
            MaxRelativePositions = native.max_relative_positions,
            PositionBiasedInput = native.position_biased_input != 0,
            MaxSequenceLength = native.max_sequence_length,
            LayerNormEps = native.layer_norm_eps,
            Device = NativeErrors.Utf8(NativeMethods.deberta_model_device(model)) ?? "",
            DeviceReason = NativeErrors.Utf8(NativeMethods.deberta_model_device_reason(model)) ?? "",
            WeightsBytes = (long)NativeMethods.deberta_model_weights_size(model),
            OwnKernelWeights = NativeMethods.deberta_model_own_kernel_weights(model),
            Tokenizer = new TokenizerSettings(
                tokenizer.Pieces.Count,
                tokenizer.Source == TokenizerSource.TokenizerJson ? "tokenizer_json" : "spm",
                tokenizer.DoLowerCase, tokenizer.SplitByPunct, tokenizer.ByteFallback,
                tokenizer.ClsId, tokenizer.SepId, tokenizer.PadId, tokenizer.UnkId, tokenizer.MaskId,
                tokenizer.ModelMaxLength),
        };
    }

    /// <summary>
    /// Runs the encoder (and head) on one padded batch. This is what every pipeline uses; call it directly
    /// for raw logits or hidden states. Cancelling the token stops a running evaluation.
    /// </summary>
    public ModelOutput Evaluate(ModelInput input, ModelOutputKinds outputs = ModelOutputKinds.Logits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        input.Validate();
        if (input.BatchSize * input.Choices > MaxBatch)
            throw new ArgumentException($"batch of {input.BatchSize * input.Choices} sequences exceeds MaxBatch {MaxBatch}", nameof(input));
        if (input.SequenceLength > MaxSequenceLength)
            throw new ArgumentException($"sequence length {input.SequenceLength} exceeds the model's maximum {MaxSequenceLength}", nameof(input));
        if (input.Choices != 1 && Info.Head != ModelHead.MultipleChoice)
            throw new ArgumentException($"Choices > 1 needs a multiple-choice head; this model's head is {Info.Head}", nameof(input));
        if (outputs.HasFlag(ModelOutputKinds.Logits) && Info.Head == ModelHead.None)
            throw new InvalidOperationException($"model '{Info.Name}' has no head (ModelHead.None): request LastHiddenState instead of Logits");

        int t = input.SequenceLength;
        float[] Output(deberta_output which) => new float[OutputFloats(which, input.BatchSize, input.Choices, t)];
        float[]? lastHidden = outputs.HasFlag(ModelOutputKinds.LastHiddenState) ? Output(deberta_output.DEBERTA_OUTPUT_LAST_HIDDEN_STATE) : null;
        float[]? hidden = outputs.HasFlag(ModelOutputKinds.HiddenStates) ? Output(deberta_output.DEBERTA_OUTPUT_HIDDEN_STATES) : null;
        float[]? logits = null, start = null, end = null;
        if (outputs.HasFlag(ModelOutputKinds.Logits))
        {
            if (Info.Head == ModelHead.QuestionAnswering)
            {
                start = Output(deberta_output.DEBERTA_OUTPUT_START_LOGITS);
                end = Output(deberta_output.DEBERTA_OUTPUT_END_LOGITS);
            }
            else
            {
                logits = Output(deberta_output.DEBERTA_OUTPUT_LOGITS);
            }
        }

        var context = RentContext(cancellationToken);
        try
        {
            Run(context, input.InputIds, input.AttentionMask, input.TokenTypeIds, input.BatchSize, input.Choices, t,
                lastHidden, hidden, logits, start, end, cancellationToken);
        }
        finally
        {
            ReturnContext(context);
        }
        return new ModelOutput(input.BatchSize, input.Choices, t, lastHidden, hidden, logits, start, end);
    }

    /// <summary>
    /// The logits of one unpadded sequence (one choice) into <paramref name="logits"/>, from the caller's spans: the
    /// one-input path of the pipelines, which allocates nothing. The caller has checked the head and the length.
    /// </summary>
    internal void EvaluateLogits(ReadOnlySpan<int> ids, ReadOnlySpan<int> typeIds, Span<float> logits, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        Span<int> mask = ids.Length <= StackTokens ? stackalloc int[ids.Length] : new int[ids.Length];
        mask.Fill(1);
        var context = RentContext(cancellationToken);
        try
        {
            Run(context, ids, mask, typeIds, 1, 1, ids.Length, default, default, logits, default, default, cancellationToken);
        }
        finally
        {
            ReturnContext(context);
        }
    }

    /// <summary>Sequences up to this many tokens keep their attention mask on the stack.</summary>
    const int StackTokens = 1024;

    // An empty span passes a null pointer and size 0: that output is not requested.
    static void Run(ContextHandle context, ReadOnlySpan<int> inputIds, ReadOnlySpan<int> attentionMask, ReadOnlySpan<int> tokenTypeIds,
                    int batchSize, int choices, int sequenceLength, Span<float> lastHidden, Span<float> hidden, Span<float> logits,
                    Span<float> start, Span<float> end, CancellationToken cancellationToken)
    {
        // The marshaller holds a reference on the handle during each call, so a concurrent Dispose frees the
        // native context only after the evaluation returned; a cancel after that has nothing left to stop.
        deberta_status status;
        // Disposing the registration before the context goes back to the pool waits for a running cancel
        // callback, so a late cancel can never stop the next caller's evaluation.
        // A token that cannot be cancelled registers nothing, so the common call allocates no callback.
        using (cancellationToken.CanBeCanceled
                   ? cancellationToken.Register(static state => CancelUnlessDisposed((ContextHandle)state!), context)
                   : default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fixed (int* ids = inputIds, mask = attentionMask, types = tokenTypeIds)
            fixed (float* pLast = lastHidden, pHidden = hidden, pLogits = logits, pStart = start, pEnd = end)
            {
                var batch = new deberta_batch
                {
                    input_ids = ids, attention_mask = mask, token_type_ids = types,
                    n_batch = batchSize, n_choices = choices, n_tokens = sequenceLength,
                };
                var outs = new deberta_outputs
                {
                    last_hidden_state = pLast, last_hidden_state_size = (nuint)lastHidden.Length,
                    hidden_states = pHidden, hidden_states_size = (nuint)hidden.Length,
                    logits = pLogits, logits_size = (nuint)logits.Length,
                    start_logits = pStart, start_logits_size = (nuint)start.Length,
                    end_logits = pEnd, end_logits_size = (nuint)end.Length,
                };
                status = NativeMethods.deberta_context_eval(context, &batch, &outs);
            }
        }
        if (status == deberta_status.DEBERTA_STATUS_CANCELLED) cancellationToken.ThrowIfCancellationRequested();
        NativeErrors.ThrowIfFailed(status, "evaluation failed");
    }

    // Output sizes come from the native format table (deberta_model_output_size), not from a copy of its shapes.
    internal long OutputFloats(deberta_output which, int batchSize, int choices, int sequenceLength) =>
        (long)NativeMethods.deberta_model_output_size(_handle, (int)which, batchSize, choices, sequenceLength);

    /// <summary>Floats of every output in <paramref name="kinds"/> (logits: start and end logits for QA).</summary>
    internal long OutputFloats(ModelOutputKinds kinds, int batchSize, int choices, int sequenceLength)
    {
        long n = 0;
        if (kinds.HasFlag(ModelOutputKinds.LastHiddenState)) n += OutputFloats(deberta_output.DEBERTA_OUTPUT_LAST_HIDDEN_STATE, batchSize, choices, sequenceLength);
        if (kinds.HasFlag(ModelOutputKinds.HiddenStates)) n += OutputFloats(deberta_output.DEBERTA_OUTPUT_HIDDEN_STATES, batchSize, choices, sequenceLength);
        if (kinds.HasFlag(ModelOutputKinds.Logits))
            foreach (var o in new[] { deberta_output.DEBERTA_OUTPUT_LOGITS, deberta_output.DEBERTA_OUTPUT_START_LOGITS, deberta_output.DEBERTA_OUTPUT_END_LOGITS })
                n += OutputFloats(o, batchSize, choices, sequenceLength);
        return n;
    }

    static void CancelUnlessDisposed(ContextHandle context)
    {
        try
        {
            NativeMethods.deberta_context_cancel(context);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The CPU threads an evaluation of <paramref name="batchSize"/> sequences (times choices) of
    /// <paramref name="sequenceLength"/> tokens runs on, given <see cref="DebertaModelOptions.Threads"/>. It asks a
    /// pooled context, so like an evaluation it may create one or wait for one to be free.</summary>
    public int ThreadsFor(int batchSize, int sequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequenceLength);
        var context = RentContext(CancellationToken.None);
        try
        {
            return NativeMethods.deberta_context_threads(context, batchSize, sequenceLength);
        }
        finally
        {
            ReturnContext(context);
        }
    }

    ContextHandle RentContext(CancellationToken cancellationToken)
    {
        _contextSlots.Wait(cancellationToken);
        try
        {
            ThrowIfDisposed();
            if (_idleContexts.TryTake(out var context)) return context;
            var parameters = NativeMethodsDefaults.ContextParams();
            parameters.n_threads = _options.Threads;
            parameters.max_batch = _options.MaxBatch;
            parameters.max_tokens = MaxSequenceLength;
            context = ContextHandle.Create(_handle, parameters);
            _allContexts.Enqueue(context);
            return context;
        }
        catch
        {
            _contextSlots.Release();
            throw;
        }
    }

    void ReturnContext(ContextHandle context)
    {
        _idleContexts.Add(context);
        _contextSlots.Release();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Frees the weights and contexts. Native memory of a context still in use is freed when its call ends.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        while (_allContexts.TryDequeue(out var context)) context.Dispose();
        _handle.Dispose();
    }
}

/// <summary>The C API's default parameter structs.</summary>
file static class NativeMethodsDefaults
{
    public static deberta_model_params ModelParams()
    {
        NativeLibraryLoader.EnsureLoaded();
        return NativeMethods.deberta_model_default_params();
    }

    public static deberta_context_params ContextParams() => NativeMethods.deberta_context_default_params();
}
