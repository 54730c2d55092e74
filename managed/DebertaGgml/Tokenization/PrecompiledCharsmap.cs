using System.Buffers.Binary;

namespace DebertaGgml.Tokenization;

/// <summary>
/// SentencePiece's precompiled normalization table: a little-endian uint32 trie size, a Darts-clone
/// double-array trie over UTF-8 keys, then the NUL-terminated replacement strings the trie values point into.
/// </summary>
internal sealed class PrecompiledCharsmap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    // Lead bytes with no key starting with them: the common case for ASCII text, answered without a trie walk.
    private readonly bool[] _noKeyStartsWith = new bool[256];

    private PrecompiledCharsmap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
        uint root = Offset(units[0]);
        for (int b = 0; b < 256; b++)
        {
            uint node = root ^ (uint)b;
            _noKeyStartsWith[b] = node >= (uint)units.Length || Label(units[node]) != (uint)b;
        }
    }

    public bool CannotStartKey(byte lead) => _noKeyStartsWith[lead];

    public static PrecompiledCharsmap? Parse(byte[] blob)
    {
        if (blob.Length == 0) return null;
        if (blob.Length < 4) throw new InvalidDataException("precompiled_charsmap is shorter than its 4-byte header");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes > (uint)(blob.Length - 4) || trieBytes == 0)
            throw new InvalidDataException($"precompiled_charsmap trie size {trieBytes} does not fit the {blob.Length}-byte table");
        var units = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(blob.AsSpan(4, (int)trieBytes)).ToArray();
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(units, units);
        return new PrecompiledCharsmap(units, blob.AsSpan(4 + (int)trieBytes).ToArray());
    }

    /// <summary>
    /// Longest key that is a prefix of <paramref name="input"/> (SentencePiece's rule); returns its byte length (0: none).
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement) => Match(input, shortest: false, out replacement);

    /// <summary>Shortest key that is a prefix of <paramref name="input"/> (the rule of HF tokenizers' Precompiled normalizer).</summary>
    public int ShortestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement) => Match(input, shortest: true, out replacement);

    /// <summary>Walks the double array along the key, remembering the keys that end on the way.</summary>
    private int Match(ReadOnlySpan<byte> key, bool shortest, out ReadOnlySpan<byte> replacement)
    {
        var units = _units;
        int matchLength = 0;
        int matchValue = 0;
        uint nodePos = Offset(units[0]);
        for (int i = 0; i < key.Length; i++)
        {
            nodePos ^= key[i];
            if (nodePos >= (uint)units.Length) break;
            uint unit = units[nodePos];
            if (Label(unit) != key[i]) break;
            nodePos ^= Offset(unit);
            if (HasLeaf(unit) && nodePos < (uint)units.Length)
            {
                matchLength = i + 1;
                matchValue = (int)(units[nodePos] & 0x7FFFFFFF);
                if (shortest) break;
            }
        }
        replacement = matchLength == 0 ? default : Replacement(matchValue);
        return matchLength;
    }

    private ReadOnlySpan<byte> Replacement(int offset)
    {
        if ((uint)offset >= (uint)_replacements.Length) throw new InvalidDataException($"precompiled_charsmap value {offset} points outside the replacement strings");
        var rest = _replacements.AsSpan(offset);
        int end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);
    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
