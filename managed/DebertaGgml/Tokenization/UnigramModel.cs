using System.Buffers;
using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>A piece found by the Viterbi search: normalized byte range [Start, End) and vocabulary id.</summary>
internal readonly record struct PieceSpan(int Start, int End, int Id);

/// <summary>
/// Unigram language model segmentation (SentencePiece's optimized Viterbi): the best-scoring path of vocabulary
/// pieces over the normalized UTF-8 bytes, one unknown node per uncovered character, and runs of unknown
/// characters fused into one unknown piece.
/// Equal-scoring paths are common (e.g. "00"+"0" versus "0"+"00"), so the arithmetic is reproduced exactly:
/// SentencePiece adds a piece score in double but stores path scores as float (its score expression is promoted
/// to double by the user-defined bonus term), and its unknown-character score is pure float; HF tokenizers keeps
/// everything in double.
/// </summary>
internal sealed class UnigramModel
{
    // SentencePiece's kUnkPenalty: an unknown character scores this much below the worst piece.
    private const float UnknownPenalty = 10.0f;
    private readonly PieceTrie _trie;
    private readonly float[] _scores;
    private readonly double _unknownScore;
    private readonly int _unknownId;
    private readonly bool _floatPathScores;

    [ThreadStatic] private static GrowableArray<double>? t_bestScore;
    [ThreadStatic] private static GrowableArray<int>? t_bestStart;
    [ThreadStatic] private static GrowableArray<int>? t_bestId;

    /// <param name="pieces">Pieces the search may use (id, UTF-8 bytes); others are matched elsewhere or never.</param>
    /// <param name="scores">Log-probabilities by id.</param>
    /// <param name="minScore">The lowest score, from which the unknown piece's penalty is derived.</param>
    /// <param name="unknownId">Id of the unknown piece.</param>
    /// <param name="floatPathScores">True for SentencePiece's float path scores, false for HF tokenizers' double ones.</param>
    public UnigramModel(IEnumerable<(byte[] Key, int Value)> pieces, IReadOnlyList<float> scores, float minScore, int unknownId, bool floatPathScores)
    {
        _floatPathScores = floatPathScores;
        _trie = new PieceTrie(pieces);
        _scores = scores.ToArray();
        _unknownScore = floatPathScores ? minScore - UnknownPenalty : (double)minScore - UnknownPenalty;
        _unknownId = unknownId;
    }

    public void Encode(ReadOnlySpan<byte> text, GrowableArray<PieceSpan> result)
    {
        result.Clear();
        int size = text.Length;
        if (size == 0) return;
        var bestScore = (t_bestScore ??= new()).Resize(size + 1);
        var bestStart = (t_bestStart ??= new()).Resize(size + 1);
        var bestId = (t_bestId ??= new()).Resize(size + 1);
        bestStart.AsSpan(0, size + 1).Fill(-1);
        bestScore[0] = 0;

        var trie = _trie;
        var scores = _scores;
        int startsAt = 0;
        while (startsAt < size)
        {
            double scoreTillHere = bestScore[startsAt];
            int charLength = Math.Min(Utf8CharLength(text[startsAt]), size - startsAt);
            bool hasSingleCharPiece = false;
            int node = PieceTrie.Root;
            for (int keyPos = startsAt; keyPos < size;)
            {
                node = trie.Next(node, text[keyPos]);
                keyPos++;
                if (node < 0) break;
                int id = trie.Value(node);
                if (id < 0) continue;
                double candidate = (double)scores[id] + scoreTillHere;
                if (bestStart[keyPos] == -1 || candidate > bestScore[keyPos])
                {
                    bestScore[keyPos] = _floatPathScores ? (float)candidate : candidate;
                    bestStart[keyPos] = startsAt;
                    bestId[keyPos] = id;
                }
                if (keyPos - startsAt == charLength) hasSingleCharPiece = true;
            }
            if (!hasSingleCharPiece)
            {
                int end = startsAt + charLength;
                double candidate = _floatPathScores ? (float)_unknownScore + (float)scoreTillHere : _unknownScore + scoreTillHere;
                if (bestStart[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    bestStart[end] = startsAt;
                    bestId[end] = _unknownId;
                }
            }
            startsAt += charLength;
        }

        // Backtrack, fusing adjacent unknown nodes, then reverse into reading order.
        int endsAt = size;
        while (endsAt > 0)
        {
            int start = bestStart[endsAt];
            int id = bestId[endsAt];
            if (id == _unknownId && result.Count > 0 && result.Items[result.Count - 1].Id == _unknownId && result.Items[result.Count - 1].Start == endsAt)
                result.Items[result.Count - 1] = new PieceSpan(start, result.Items[result.Count - 1].End, id);
            else
                result.Add(new PieceSpan(start, endsAt, id));
            endsAt = start;
        }
        result.AsSpan().Reverse();
    }

    /// <summary>SentencePiece's OneCharLen: the UTF-8 sequence length announced by the lead byte (1 for stray bytes).</summary>
    private static int Utf8CharLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        < 0xC0 => 1,
        < 0xE0 => 2,
        < 0xF0 => 3,
        _ => 4,
    };
}
