using System.Runtime.InteropServices;

namespace DebertaGgml.Tokenization;

/// <summary>
/// DeBERTa-v2/v3 tokenizer that reproduces HF's DebertaV2Tokenizer (SentencePiece unigram) exactly, or, for a
/// tokenizer.json source, HF's fast tokenizer. Thread-safe: all per-call state lives in thread-local workspaces.
/// </summary>
public sealed class DebertaTokenizer
{
    private readonly TokenizerVocabulary _vocabulary;
    private readonly ITextPipeline _pipeline;
    private readonly SentencePieceDecoder _decoder;

    private DebertaTokenizer(TokenizerModelData data)
    {
        Validate(data);
        Data = data;
        _vocabulary = new TokenizerVocabulary(data);
        _pipeline = data.Source == TokenizerSource.TokenizerJson
            ? new FastTokenizerPipeline(data, _vocabulary)
            : new SentencePiecePipeline(data, _vocabulary);
        _decoder = new SentencePieceDecoder(_vocabulary);
    }

    /// <summary>Everything the tokenizer was built from (what a GGUF stores).</summary>
    public TokenizerModelData Data { get; }

    /// <summary>Number of ids, added tokens such as [MASK] included (HF's len(tokenizer)).</summary>
    public int VocabularySize => _vocabulary.Pieces.Length;

    /// <summary>Id of [CLS].</summary>
    public int ClsId => Data.ClsId;
    /// <summary>Id of [SEP].</summary>
    public int SepId => Data.SepId;
    /// <summary>Id of [PAD].</summary>
    public int PadId => Data.PadId;
    /// <summary>Id of [UNK].</summary>
    public int UnkId => Data.UnkId;
    /// <summary>Id of [MASK]; -1 when the vocabulary has none.</summary>
    public int MaskId => Data.MaskId;

    /// <summary>Loads an spm.model; tokenizer_config.json / added_tokens.json next to it are applied when present.</summary>
    public static DebertaTokenizer FromSentencePiece(string path, DebertaTokenizerOptions? options = null) =>
        FromModelData(ApplyOptions(SentencePieceModelReader.Read(path), options));

    /// <summary>A tokenizer from a SentencePiece model (spm.model) stream.</summary>
    public static DebertaTokenizer FromSentencePiece(Stream stream, DebertaTokenizerOptions? options = null) =>
        FromModelData(ApplyOptions(SentencePieceModelReader.Read(stream), options));

    /// <summary>Loads a HF tokenizer.json; tokenizer_config.json, special_tokens_map.json, added_tokens.json next to it are applied.</summary>
    public static DebertaTokenizer FromTokenizerJson(string path, DebertaTokenizerOptions? options = null) =>
        FromModelData(ApplyOptions(TokenizerJsonReader.Read(path), options));

    /// <summary>Loads the tokenizer.* keys of a GGUF model (docs/gguf.md).</summary>
    public static DebertaTokenizer FromGguf(string path, DebertaTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = Gguf.GgufFile.Open(path);
        return FromModelData(Gguf.GgufTokenizer.Read(file), options);
    }

    /// <summary>
    /// Picks the reader by file: .gguf, tokenizer.json (.json), else spm.model; a folder means its spm.model,
    /// or its tokenizer.json when there is no spm.model.
    /// </summary>
    public static DebertaTokenizer FromFile(string path, DebertaTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            string spm = Path.Combine(path, "spm.model");
            string json = Path.Combine(path, "tokenizer.json");
            if (File.Exists(spm)) return FromSentencePiece(spm, options);
            if (File.Exists(json)) return FromTokenizerJson(json, options);
            throw new FileNotFoundException($"folder '{path}' has neither spm.model nor tokenizer.json", path);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file '{path}' does not exist", path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".gguf" => FromGguf(path, options),
            ".json" => FromTokenizerJson(path, options),
            _ => FromSentencePiece(path, options),
        };
    }

    /// <summary>A tokenizer from vocabulary and settings already read.</summary>
    public static DebertaTokenizer FromModelData(TokenizerModelData data, DebertaTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new DebertaTokenizer(ApplyOptions(data, options));
    }

    /// <summary>Pieces of <paramref name="text"/> without special tokens (HF's tokenize()); unknown runs keep their text.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new TokenSink(withTokens: true);
        _pipeline.Encode(text, sink);
        return sink.Tokens!;
    }

    /// <summary>Encodes a text or a text pair as HF's DebertaV2Tokenizer does, with offsets into the original text.</summary>
    public TokenEncoding Encode(string text, string? pair = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= EncodeOptions.Default;
        var encoding = EncodeUnpadded(text, pair, options);
        return options.Padding == PaddingStrategy.MaxLength ? Pad(encoding, RequireMaxLength(options)) : encoding;
    }

    /// <summary>Ids only (no token strings, offsets or masks are built): the fast path for model input.</summary>
    public IReadOnlyList<int> EncodeToIds(string text, string? pair = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= EncodeOptions.Default;
        var (first, second) = EncodeIdsOnly(text, pair);
        var window = TruncationPlan.Create(first.Count, second?.Count, options.AddSpecialTokens, options.Truncation,
            options.MaxLength ?? Data.ModelMaxLength, options.Stride, returnOverflowing: false).Windows[0];
        var ids = new List<int>(window.FirstCount + window.SecondCount + 3);
        if (options.AddSpecialTokens) ids.Add(Data.ClsId);
        ids.AddRange(first.Ids.Skip(window.FirstStart).Take(window.FirstCount));
        if (options.AddSpecialTokens) ids.Add(Data.SepId);
        if (second is not null)
        {
            ids.AddRange(second.Ids.Skip(window.SecondStart).Take(window.SecondCount));
            if (options.AddSpecialTokens) ids.Add(Data.SepId);
        }
        if (options.Padding == PaddingStrategy.MaxLength)
        {
            int length = RequireMaxLength(options);
            while (ids.Count < length) ids.Add(Data.PadId);
        }
        return ids;
    }

    [ThreadStatic] private static TokenSink? t_firstIds, t_secondIds;

    /// <summary>The ids of a text (and pair), no special tokens, in the thread's reusable sinks: read them before the next call.</summary>
    private (TokenSink First, TokenSink? Second) EncodeIdsOnly(string text, string? pair)
    {
        var first = t_firstIds ??= new TokenSink(withTokens: false, withOffsets: false);
        first.Clear();
        _pipeline.Encode(text, first);
        if (pair is null) return (first, null);
        var second = t_secondIds ??= new TokenSink(withTokens: false, withOffsets: false);
        second.Clear();
        _pipeline.Encode(pair, second);
        return (first, second);
    }

    /// <summary>
    /// [CLS] text [SEP] (pair [SEP]) as ids and type ids into the caller's reusable arrays, allocating nothing once
    /// the thread's buffers have grown: the model pipelines' one-input path.
    /// </summary>
    /// <returns>The length, or -1 when it would exceed <paramref name="maxLength"/> (nothing is truncated here).</returns>
    internal int EncodeModelInput(string text, string? pair, int maxLength, GrowableArray<int> ids, GrowableArray<int> typeIds)
    {
        var (first, second) = EncodeIdsOnly(text, pair);
        int length = first.Count + 2 + (second is null ? 0 : second.Count + 1);
        if (length > maxLength) return -1;
        var idSpan = ids.Resize(length).AsSpan(0, length);
        var typeSpan = typeIds.Resize(length).AsSpan(0, length);
        idSpan[0] = Data.ClsId;
        CollectionsMarshal.AsSpan(first.Ids).CopyTo(idSpan[1..]);
        int position = 1 + first.Count;
        idSpan[position++] = Data.SepId;
        typeSpan[..position].Clear();
        if (second is not null)
        {
            CollectionsMarshal.AsSpan(second.Ids).CopyTo(idSpan[position..]);
            idSpan[^1] = Data.SepId;
            typeSpan[position..].Fill(1);
        }
        return length;
    }

    /// <summary>Encodes texts (and optional pairs, same count) and pads them as <see cref="EncodeOptions.Padding"/> says.</summary>
    public IReadOnlyList<TokenEncoding> EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string?>? pairs = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs is not null && pairs.Count != texts.Count) throw new ArgumentException($"pairs has {pairs.Count} entries but texts has {texts.Count}", nameof(pairs));
        options ??= EncodeOptions.Default;
        var encodings = new TokenEncoding[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (texts[i] is null) throw new ArgumentNullException(nameof(texts), $"texts[{i}] is null");
            encodings[i] = EncodeUnpadded(texts[i], pairs?[i], options);
        }
        int target = options.Padding switch
        {
            PaddingStrategy.Longest => encodings.Length == 0 ? 0 : encodings.Max(e => e.Length),
            PaddingStrategy.MaxLength => RequireMaxLength(options),
            _ => -1,
        };
        if (target >= 0)
        {
            for (int i = 0; i < encodings.Length; i++) encodings[i] = Pad(encodings[i], target);
        }
        return encodings;
    }

    /// <summary>
    /// Text of <paramref name="ids"/> as HF's decode(): byte pieces joined back into UTF-8, ▁ as spaces, special
    /// tokens dropped when <paramref name="skipSpecialTokens"/>, else written with a space before each run of them.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _decoder.Decode(ids, skipSpecialTokens);
    }

    /// <summary>The id of a token string; null when it is not in the vocabulary.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _vocabulary.PieceToId.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>The token string of an id; null when out of range.</summary>
    public string? IdToToken(int id) => _vocabulary.IsValidId(id) ? _vocabulary.Pieces[id] : null;

    private TokenEncoding EncodeUnpadded(string text, string? pair, EncodeOptions options)
    {
        var first = new TokenSink(withTokens: true, expectedCount: ExpectedTokens(text));
        _pipeline.Encode(text, first);
        TokenSink? second = null;
        if (pair is not null)
        {
            second = new TokenSink(withTokens: true, expectedCount: ExpectedTokens(pair));
            _pipeline.Encode(pair, second);
        }
        int? maxLength = options.MaxLength ?? Data.ModelMaxLength;
        var plan = TruncationPlan.Create(first.Count, second?.Count, options.AddSpecialTokens, options.Truncation, maxLength, options.Stride, options.ReturnOverflowing);
        var windows = plan.Windows.Select(w => Assemble(first, second, w, options.AddSpecialTokens)).ToList();
        return windows[0] with { Overflowing = windows.Skip(1).ToList() };
    }

    /// <summary>[CLS] A [SEP] (B [SEP]) for one window of each sequence, built with block copies.</summary>
    private TokenEncoding Assemble(TokenSink first, TokenSink? second, SequenceWindow window, bool addSpecialTokens)
    {
        int specials = addSpecialTokens ? (second is null ? 2 : 3) : 0;
        int length = window.FirstCount + window.SecondCount + specials;
        var ids = new int[length];
        var tokens = new string[length];
        var typeIds = new int[length];
        var special = new int[length];
        var offsets = new (int, int)[length];
        var sequenceIds = new int[length];
        int position = 0;

        void AddSpecial(int id, int typeId)
        {
            ids[position] = id;
            tokens[position] = _vocabulary.Pieces[id];
            typeIds[position] = typeId;
            special[position] = 1;
            sequenceIds[position] = -1;
            position++;
        }
        void AddRange(TokenSink sink, int start, int count, int sequence)
        {
            CollectionsMarshal.AsSpan(sink.Ids).Slice(start, count).CopyTo(ids.AsSpan(position));
            CollectionsMarshal.AsSpan(sink.Tokens).Slice(start, count).CopyTo(tokens.AsSpan(position));
            CollectionsMarshal.AsSpan(sink.Offsets).Slice(start, count).CopyTo(offsets.AsSpan(position));
            typeIds.AsSpan(position, count).Fill(sequence);
            sequenceIds.AsSpan(position, count).Fill(sequence);
            position += count;
        }

        if (addSpecialTokens) AddSpecial(Data.ClsId, 0);
        AddRange(first, window.FirstStart, window.FirstCount, 0);
        if (addSpecialTokens) AddSpecial(Data.SepId, 0);
        if (second is not null)
        {
            AddRange(second, window.SecondStart, window.SecondCount, 1);
            if (addSpecialTokens) AddSpecial(Data.SepId, 1);
        }
        var attention = new int[length];
        attention.AsSpan().Fill(1);
        return new TokenEncoding
        {
            Ids = ids,
            Tokens = tokens,
            TypeIds = typeIds,
            SpecialTokensMask = special,
            AttentionMask = attention,
            Offsets = offsets,
            SequenceIds = sequenceIds,
        };
    }

    /// <summary>Right padding with [PAD] (type id 0, attention 0, special mask 1), as HF pads.</summary>
    private TokenEncoding Pad(TokenEncoding encoding, int length)
    {
        int missing = length - encoding.Length;
        if (missing <= 0) return encoding;
        static List<T> Extend<T>(IReadOnlyList<T> values, T filler, int count) => [.. values, .. Enumerable.Repeat(filler, count)];
        return encoding with
        {
            Ids = Extend(encoding.Ids, Data.PadId, missing),
            Tokens = Extend(encoding.Tokens, _vocabulary.Pieces[Data.PadId], missing),
            TypeIds = Extend(encoding.TypeIds, 0, missing),
            SpecialTokensMask = Extend(encoding.SpecialTokensMask, 1, missing),
            AttentionMask = Extend(encoding.AttentionMask, 0, missing),
            Offsets = Extend(encoding.Offsets, (0, 0), missing),
            SequenceIds = Extend(encoding.SequenceIds, -1, missing),
            Overflowing = encoding.Overflowing.Select(o => Pad(o, length)).ToList(),
        };
    }

    /// <summary>A capacity guess that avoids most list regrowth: about one token per 2 chars of text.</summary>
    private static int ExpectedTokens(string text) => Math.Max(16, text.Length / 2);

    private int RequireMaxLength(EncodeOptions options) =>
        options.MaxLength ?? Data.ModelMaxLength ?? throw new ArgumentException("padding to max length needs EncodeOptions.MaxLength (the tokenizer has no model_max_length)", nameof(options));

    private static TokenizerModelData ApplyOptions(TokenizerModelData data, DebertaTokenizerOptions? options) =>
        options is null ? data : data with
        {
            DoLowerCase = options.DoLowerCase ?? data.DoLowerCase,
            SplitByPunct = options.SplitByPunct ?? data.SplitByPunct,
        };

    private static void Validate(TokenizerModelData data)
    {
        int count = data.Pieces.Count;
        if (count == 0) throw new ArgumentException("tokenizer data has no pieces", nameof(data));
        if (data.Scores.Count != count || data.Kinds.Count != count)
            throw new ArgumentException($"tokenizer data has {count} pieces but {data.Scores.Count} scores and {data.Kinds.Count} kinds", nameof(data));
        foreach (var (name, id) in new[] { ("ClsId", data.ClsId), ("SepId", data.SepId), ("UnkId", data.UnkId), ("PadId", data.PadId) })
        {
            if (id < 0 || id >= count) throw new ArgumentException($"tokenizer data {name} {id} is outside the {count} pieces", nameof(data));
        }
        if (data.MaskId >= count) throw new ArgumentException($"tokenizer data MaskId {data.MaskId} is outside the {count} pieces", nameof(data));
    }
}
