using System.Buffers.Binary;
using System.Text;

namespace DebertaGgml.Convert.Checkpoints;

/// <summary>
/// Walks the opcodes of one pickle without executing it, to find where it ends and every global it
/// references. Checkpoints are rejected before unpickling when any global is outside the allowlist.
/// </summary>
internal static class PickleScanner
{
    /// <summary>Returns the offset just past the STOP opcode and the globals ("module.name") referenced.</summary>
    public static (int End, List<string> Globals) Scan(ReadOnlySpan<byte> data, string file)
    {
        var globals = new List<string>();
        var memo = new Dictionary<long, string?>();
        var recentStrings = new List<string?>(); // the last pushed values, string or null, for STACK_GLOBAL
        int pos = 0;
        while (true)
        {
            if (pos >= data.Length) throw new ConvertException(file, "truncated pickle (no STOP opcode)");
            byte op = data[pos++];
            string? pushedString = null;
            bool pushes = true;
            switch ((char)op)
            {
                case '.': return (pos, globals);
                case 'c' or 'i':
                    {
                        string module = Line(data, ref pos, file), name = Line(data, ref pos, file);
                        globals.Add($"{module}.{name}");
                        break;
                    }
                case '\x93':
                    {
                        if (recentStrings.Count < 2 || recentStrings[^1] is not string name || recentStrings[^2] is not string module)
                            throw new ConvertException(file, "pickle uses STACK_GLOBAL with names that cannot be verified");
                        globals.Add($"{module}.{name}");
                        break;
                    }
                case '\x82' or '\x83' or '\x84':
                    throw new ConvertException(file, "pickle uses the copyreg extension registry, which is not allowed");
                // Opcodes without an argument.
                case '(' or '0' or '1' or '2' or 'N' or 'R' or 'b' or 'd' or '}' or 'e' or 'l' or ']' or 'a' or 'o' or 's' or 'u'
                    or 't' or ')' or '\x85' or '\x86' or '\x87' or '\x88' or '\x89' or '\x81' or '\x92' or '\x8f' or '\x90'
                    or '\x91' or 'Q' or '\x97' or '\x98':
                    pushes = op is not ((byte)'0' or (byte)'1');
                    break;
                case '\x94': // MEMOIZE: the top of the stack goes to the next memo slot
                    memo[memo.Count] = recentStrings.Count > 0 ? recentStrings[^1] : null;
                    pushes = false;
                    break;
                case 'q': Remember(memo, data[pos++], recentStrings); pushes = false; break;
                case 'r': Remember(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, file)), recentStrings); pushes = false; break;
                case 'p': Remember(memo, long.Parse(Line(data, ref pos, file)), recentStrings); pushes = false; break;
                case 'h': pushedString = memo.GetValueOrDefault(data[pos++]); break;
                case 'j': pushedString = memo.GetValueOrDefault(BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, file))); break;
                case 'g': pushedString = memo.GetValueOrDefault(long.Parse(Line(data, ref pos, file))); break;
                case 'K' or '\x80': Take(data, ref pos, 1, file); pushes = op == 'K'; break;
                case 'M': Take(data, ref pos, 2, file); break;
                case 'J': Take(data, ref pos, 4, file); break;
                case 'G': Take(data, ref pos, 8, file); break;
                case '\x95': Take(data, ref pos, 8, file); pushes = false; break;
                case '\x8a' or 'U' or 'C' or '\x8c':
                    {
                        int length = Take(data, ref pos, 1, file)[0];
                        var bytes = Take(data, ref pos, length, file);
                        if (op == 0x8c) pushedString = Encoding.UTF8.GetString(bytes);
                        break;
                    }
                case 'T' or 'X' or 'B' or '\x8b':
                    {
                        uint length = BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, file));
                        var bytes = Take(data, ref pos, checked((int)length), file);
                        if (op == 'X') pushedString = Encoding.UTF8.GetString(bytes);
                        break;
                    }
                case '\x8d' or '\x8e' or '\x96':
                    {
                        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(Take(data, ref pos, 8, file));
                        if (length > (ulong)(data.Length - pos)) throw new ConvertException(file, "truncated pickle");
                        var bytes = Take(data, ref pos, (int)length, file);
                        if (op == 0x8d) pushedString = Encoding.UTF8.GetString(bytes);
                        break;
                    }
                case 'I' or 'L' or 'F' or 'S' or 'P':
                    Line(data, ref pos, file);
                    break;
                case 'V':
                    pushedString = Line(data, ref pos, file);
                    break;
                default:
                    throw new ConvertException(file, $"unknown pickle opcode 0x{op:x2} at byte {pos - 1}");
            }
            if (pushes)
            {
                recentStrings.Add(pushedString);
                if (recentStrings.Count > 2) recentStrings.RemoveAt(0);
            }
        }
    }

    private static void Remember(Dictionary<long, string?> memo, long index, List<string?> recent) =>
        memo[index] = recent.Count > 0 ? recent[^1] : null;

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int pos, int count, string file)
    {
        if (count < 0 || count > data.Length - pos) throw new ConvertException(file, "truncated pickle");
        var slice = data.Slice(pos, count);
        pos += count;
        return slice;
    }

    private static string Line(ReadOnlySpan<byte> data, ref int pos, string file)
    {
        int end = data[pos..].IndexOf((byte)'\n');
        if (end < 0) throw new ConvertException(file, "truncated pickle");
        string text = Encoding.UTF8.GetString(data.Slice(pos, end));
        pos += end + 1;
        return text;
    }
}
