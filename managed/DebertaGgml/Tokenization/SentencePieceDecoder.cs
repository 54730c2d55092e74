using System.Text;

namespace DebertaGgml.Tokenization;

/// <summary>
/// HF's DebertaV2Tokenizer decode: special tokens dropped or written between runs of pieces, each run decoded as
/// SentencePiece does (▁ to space, the leading ▁ of the run dropped, byte pieces joined into UTF-8 with U+FFFD for
/// invalid bytes), and the result stripped of surrounding whitespace.
/// </summary>
internal sealed class SentencePieceDecoder(TokenizerVocabulary vocabulary)
{
    private const string UnknownSurface = " \u2047 ";

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        var output = new StringBuilder();
        var run = new List<int>();
        bool previousIsSpecial = false;
        foreach (int id in ids)
        {
            if (!vocabulary.IsValidId(id)) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id is outside the vocabulary of {vocabulary.Pieces.Length}");
            if (!vocabulary.SpecialIds.Contains(id))
            {
                run.Add(id);
                previousIsSpecial = false;
                continue;
            }
            if (skipSpecialTokens) continue;
            if (!previousIsSpecial) output.Append(' ');
            DecodeRun(run, output);
            output.Append(vocabulary.Pieces[id]);
            run.Clear();
            previousIsSpecial = true;
        }
        DecodeRun(run, output);
        return output.ToString().Trim();
    }

    private void DecodeRun(List<int> ids, StringBuilder output)
    {
        bool atStart = true;
        var pendingBytes = new List<byte>();
        void FlushBytes()
        {
            if (pendingBytes.Count == 0) return;
            string text = DecodeUtf8Lenient(pendingBytes);
            output.Append(text);
            if (text.Length > 0) atStart = false;
            pendingBytes.Clear();
        }
        foreach (int id in ids)
        {
            var kind = vocabulary.Kinds[id];
            if (kind == PieceKind.Byte)
            {
                pendingBytes.Add(ByteValue(vocabulary.Pieces[id]));
                continue;
            }
            FlushBytes();
            string surface = kind switch
            {
                PieceKind.Control => "",
                PieceKind.Unknown => UnknownSurface,
                _ => PieceSurface(vocabulary.Pieces[id], atStart),
            };
            output.Append(surface);
            if (surface.Length > 0) atStart = false;
        }
        FlushBytes();
    }

    private string PieceSurface(string piece, bool atStart)
    {
        if (atStart && (vocabulary.Data.AddDummyPrefix || vocabulary.Data.RemoveExtraWhitespaces) && piece.StartsWith('\u2581')) piece = piece[1..];
        return piece.Replace('\u2581', ' ');
    }

    private static byte ByteValue(string piece) => Convert.ToByte(piece.Substring(3, 2), 16);

    /// <summary>UTF-8 decoding where every byte of an invalid sequence becomes U+FFFD, as SentencePiece does.</summary>
    private static string DecodeUtf8Lenient(List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        var builder = new StringBuilder();
        while (span.Length > 0)
        {
            if (Rune.DecodeFromUtf8(span, out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                builder.Append(rune.ToString());
                span = span[consumed..];
            }
            else
            {
                builder.Append('\uFFFD');
                span = span[1..];
            }
        }
        return builder.ToString();
    }
}
