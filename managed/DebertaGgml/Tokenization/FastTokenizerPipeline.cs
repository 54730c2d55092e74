using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// HF's fast tokenizer (the `tokenizers` library) running a tokenizer.json made by DebertaV2Converter:
/// added tokens with normalized=false split from the raw text; then per stretch Lowercase?, Strip, Precompiled
/// (per grapheme, shortest key), Replace(" {2,}" → " "); the unknown token (normalized=true) split from the
/// normalized text; Punctuation(isolated)? and Metaspace(prepend always, split) pre-tokenization; unigram
/// Viterbi per word over the whole vocabulary, with unknown runs fused and byte fallback only if the file says so.
/// </summary>
internal sealed class FastTokenizerPipeline : ITextPipeline
{
    private const char SpaceSymbol = '\u2581';
    private readonly TokenizerVocabulary _vocabulary;
    private readonly AddedTokenMatcher _rawAddedTokens;
    private readonly AddedTokenMatcher _normalizedAddedTokens;
    private readonly PrecompiledCharsmap? _charsmap;
    private readonly UnigramModel _model;
    private readonly TokenizerModelData _data;

    public FastTokenizerPipeline(TokenizerModelData data, TokenizerVocabulary vocabulary)
    {
        _data = data;
        _vocabulary = vocabulary;
        // DebertaV2's fast tokenizer keeps [UNK] as AddedToken(normalized=True); every other added token is raw.
        var added = vocabulary.AddedTokens().ToList();
        _charsmap = PrecompiledCharsmap.Parse(data.PrecompiledCharsmap);
        _rawAddedTokens = new AddedTokenMatcher(added.Where(t => t.Id != data.UnkId));
        // tokenizers matches a normalized added token by its normalized content (so "[UNK]" is "[unk]" when lowercasing).
        _normalizedAddedTokens = new AddedTokenMatcher(added.Where(t => t.Id == data.UnkId)
            .Select(t => (Normalize(AlignedText.FromOriginal(t.Content, 0, t.Content.Length)).Text, t.Id)));
        // tokenizers' Unigram searches its whole vocab (control and <0xNN> entries too) and takes the minimum over all scores.
        _model = vocabulary.CreateUnigramModel(kind => kind != PieceKind.UserDefined, kind => kind != PieceKind.UserDefined, floatPathScores: false);
    }

    public void Encode(string text, TokenSink sink)
    {
        var segments = new List<TextSegment>();
        _rawAddedTokens.Split(text, 0, text.Length, segments);
        foreach (var segment in segments)
        {
            if (segment.Id >= 0) sink.Add(segment.Id, (segment.Start, segment.End), _vocabulary.Pieces[segment.Id]);
            else EncodeOrdinary(text, segment.Start, segment.End, sink);
        }
    }

    private void EncodeOrdinary(string text, int start, int end, TokenSink sink)
    {
        var normalized = Normalize(AlignedText.FromOriginal(text, start, end));

        string value = normalized.Text;
        var segments = new List<TextSegment>();
        _normalizedAddedTokens.Split(value, 0, value.Length, segments);
        foreach (var segment in segments)
        {
            if (segment.Id >= 0)
            {
                var span = normalized.Span(segment.Start, segment.End);
                sink.Add(segment.Id, span, _vocabulary.Pieces[segment.Id]);
                continue;
            }
            foreach (var word in PreTokenize(normalized.Slice(segment.Start, segment.End))) EncodeWord(word, sink);
        }
    }

    /// <summary>The normalizer sequence DebertaV2Converter writes: Lowercase?, Strip, Precompiled, Replace(" {2,}", " ").</summary>
    private AlignedText Normalize(AlignedText text)
    {
        if (_data.DoLowerCase) text = text.Lowercase();
        if (_data.RemoveExtraWhitespaces) text = text.StripWhitespace();
        if (_charsmap is not null) text = text.ApplyCharsmapPerGrapheme(_charsmap);
        if (_data.RemoveExtraWhitespaces) text = text.CollapseSpaces();
        return text;
    }

    /// <summary>Punctuation isolated (when split_by_punct), then Metaspace: spaces to ▁, a ▁ prepended, split before each ▁.</summary>
    private IEnumerable<AlignedText> PreTokenize(AlignedText text)
    {
        var parts = _data.SplitByPunct ? text.IsolatePunctuation() : [text];
        foreach (var part in parts)
        {
            var replaced = part.ReplaceSpaces(SpaceSymbol);
            if (_data.AddDummyPrefix && !replaced.Text.StartsWith(SpaceSymbol)) replaced = replaced.Prepend(SpaceSymbol);
            foreach (var word in replaced.SplitBefore(SpaceSymbol)) yield return word;
        }
    }

    private void EncodeWord(AlignedText word, TokenSink sink)
    {
        var bytes = new List<byte>();
        var originStart = new List<int>();
        var originEnd = new List<int>();
        Span<byte> buffer = stackalloc byte[4];
        string value = word.Text;
        for (int i = 0; i < value.Length;)
        {
            int width = char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
            Rune rune = width == 2 ? new Rune(value[i], value[i + 1]) : char.IsSurrogate(value[i]) ? Rune.ReplacementChar : new Rune(value[i]);
            int count = rune.EncodeToUtf8(buffer);
            var (s, e) = word.Span(i, i + width);
            for (int k = 0; k < count; k++)
            {
                bytes.Add(buffer[k]);
                originStart.Add(s);
                originEnd.Add(e);
            }
            i += width;
        }
        var pieces = new GrowableArray<PieceSpan>();
        var byteArray = bytes.ToArray();
        _model.Encode(byteArray, pieces);
        PieceEmitter.Emit(byteArray, originStart.ToArray(), originEnd.ToArray(), pieces.AsSpan(), _vocabulary, _data.ByteFallback, sink);
    }
}
