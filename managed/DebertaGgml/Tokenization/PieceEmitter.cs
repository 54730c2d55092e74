namespace DebertaGgml.Tokenization;

/// <summary>
/// Turns Viterbi pieces over normalized UTF-8 into tokens: ids, token strings and original-text offsets.
/// An unknown piece becomes one &lt;0xNN&gt; piece per byte when byte fallback is on, otherwise one [UNK] whose
/// token string is the unknown text itself (what HF's tokenize() returns).
/// </summary>
internal static class PieceEmitter
{
    /// <param name="normalized">The normalized text, UTF-8.</param>
    /// <param name="originStart">Per normalized byte, the start of its source in the original text (unused for an ids-only sink).</param>
    /// <param name="originEnd">Per normalized byte, the end of its source (equal to the start for inserted ▁).</param>
    /// <param name="pieces">The segmentation: byte ranges of <paramref name="normalized"/> and their ids.</param>
    /// <param name="vocabulary">Pieces and kinds by id.</param>
    /// <param name="byteFallback">Whether unknown text becomes byte pieces.</param>
    /// <param name="sink">Receives the tokens.</param>
    public static void Emit(ReadOnlySpan<byte> normalized, ReadOnlySpan<int> originStart, ReadOnlySpan<int> originEnd,
        ReadOnlySpan<PieceSpan> pieces, TokenizerVocabulary vocabulary, bool byteFallback, TokenSink sink)
    {
        foreach (var piece in pieces)
        {
            bool unknown = piece.Id == vocabulary.UnkId;
            if (unknown && byteFallback)
            {
                for (int k = piece.Start; k < piece.End; k++)
                {
                    int byteId = vocabulary.ByteIds[normalized[k]];
                    sink.Add(byteId, sink.Offsets is null ? default : (originStart[k], originEnd[k]), vocabulary.Pieces[byteId]);
                }
                continue;
            }
            var offset = sink.Offsets is null ? default : (originStart[piece.Start], Math.Max(originStart[piece.Start], originEnd[piece.End - 1]));
            string token = sink.Tokens is null ? ""
                : unknown ? System.Text.Encoding.UTF8.GetString(normalized[piece.Start..piece.End])
                : vocabulary.Pieces[piece.Id];
            sink.Add(piece.Id, offset, token);
        }
    }
}
