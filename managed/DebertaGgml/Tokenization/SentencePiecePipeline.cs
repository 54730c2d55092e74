using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// HF's slow DebertaV2Tokenizer: added tokens split out first, then per remaining stretch optional Python
/// lowercasing and punctuation splitting, and each resulting chunk through SentencePiece (normalizer, unigram
/// Viterbi, unknown characters as byte pieces when the model has byte fallback).
/// </summary>
internal sealed class SentencePiecePipeline : ITextPipeline
{
    private readonly TokenizerVocabulary _vocabulary;
    private readonly AddedTokenMatcher _addedTokens;
    private readonly SentencePieceNormalizer _normalizer;
    private readonly UnigramModel _model;
    private readonly bool _lowerCase;
    private readonly bool _splitByPunct;
    private readonly bool _byteFallback;

    [ThreadStatic] private static Workspace? t_workspace;

    public SentencePiecePipeline(TokenizerModelData data, TokenizerVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _addedTokens = vocabulary.CreateAddedTokenMatcher();
        _normalizer = new SentencePieceNormalizer(PrecompiledCharsmap.Parse(data.PrecompiledCharsmap), data.AddDummyPrefix, data.RemoveExtraWhitespaces);
        // SentencePiece searches only normal pieces (unused ones are in its trie but never chosen);
        // control, unknown and byte pieces are reachable only through special handling.
        _model = vocabulary.CreateUnigramModel(kind => kind == PieceKind.Normal, kind => kind == PieceKind.Normal, floatPathScores: true);
        _lowerCase = data.DoLowerCase;
        _splitByPunct = data.SplitByPunct;
        _byteFallback = data.ByteFallback;
    }

    public void Encode(string text, TokenSink sink)
    {
        var workspace = t_workspace ??= new Workspace();
        var segments = workspace.Segments;
        segments.Clear();
        _addedTokens.Split(text, 0, text.Length, segments);
        for (int s = 0; s < segments.Count; s++)
        {
            var segment = segments[s];
            if (segment.Id >= 0) sink.Add(segment.Id, (segment.Start, segment.End), _vocabulary.Pieces[segment.Id]);
            else EncodeOrdinary(text, segment.Start, segment.End, sink, workspace);
        }
    }

    private void EncodeOrdinary(string text, int start, int end, TokenSink sink, Workspace workspace)
    {
        string working = text;
        int[]? originStart = null, originEnd = null;
        if (_lowerCase)
        {
            working = PythonText.Lower(text, start, end, workspace.LowerStart, workspace.LowerEnd);
            originStart = workspace.LowerStart.Items;
            originEnd = workspace.LowerEnd.Items;
            start = 0;
            end = working.Length;
        }
        if (!_splitByPunct)
        {
            EncodeChunk(working, start, end, originStart, originEnd, sink, workspace);
            return;
        }
        // DeBERTa's _run_split_on_punc: every punctuation character is a chunk of its own.
        int wordStart = start;
        for (int i = start; i < end;)
        {
            var status = Rune.DecodeFromUtf16(working.AsSpan(i, end - i), out Rune rune, out int consumed);
            int width = status == System.Buffers.OperationStatus.Done ? consumed : 1;
            if (status == System.Buffers.OperationStatus.Done && PythonText.IsPunctuation(rune))
            {
                if (i > wordStart) EncodeChunk(working, wordStart, i, originStart, originEnd, sink, workspace);
                EncodeChunk(working, i, i + width, originStart, originEnd, sink, workspace);
                wordStart = i + width;
            }
            i += width;
        }
        if (end > wordStart) EncodeChunk(working, wordStart, end, originStart, originEnd, sink, workspace);
    }

    private void EncodeChunk(string working, int start, int end, int[]? originStart, int[]? originEnd, TokenSink sink, Workspace workspace)
    {
        bool withOffsets = sink.Offsets is not null;
        var source = workspace.Source;
        source.Load(working, start, end, originStart, originEnd, withOffsets);
        var normalized = workspace.Normalized;
        NormalizerAlignment? alignment = null;
        if (withOffsets)
        {
            alignment = workspace.Alignment;
            alignment.SetInput(source.OriginStart.Items, source.OriginEnd.Items);
        }
        _normalizer.Normalize(source.Bytes.AsSpan(), normalized, alignment);
        var pieces = workspace.Pieces;
        _model.Encode(normalized.AsSpan(), pieces);
        PieceEmitter.Emit(normalized.AsSpan(), alignment is null ? default : alignment.Start.AsSpan(), alignment is null ? default : alignment.End.AsSpan(),
            pieces.AsSpan(), _vocabulary, _byteFallback, sink);
    }

    private sealed class Workspace
    {
        public readonly List<TextSegment> Segments = [];
        public readonly GrowableArray<int> LowerStart = new();
        public readonly GrowableArray<int> LowerEnd = new();
        public readonly Utf8Source Source = new();
        public readonly GrowableArray<byte> Normalized = new();
        public readonly NormalizerAlignment Alignment = new();
        public readonly GrowableArray<PieceSpan> Pieces = new();
    }
}
