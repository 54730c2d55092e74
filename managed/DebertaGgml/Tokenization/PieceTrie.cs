namespace DebertaGgml.Tokenization;

/// <summary>
/// Byte trie over vocabulary pieces, frozen into flat arrays: the root has a direct 256-entry table,
/// other nodes keep their edges sorted by label (linear scan for few edges, binary search otherwise).
/// </summary>
internal sealed class PieceTrie
{
    private const int LinearScanLimit = 8;
    private readonly int[] _rootChildren = new int[256];
    private readonly int[] _edgeStart;
    private readonly int[] _edgeCount;
    private readonly byte[] _edgeLabel;
    private readonly int[] _edgeTarget;
    private readonly int[] _value;

    public const int Root = 0;

    public PieceTrie(IEnumerable<(byte[] Key, int Value)> entries)
    {
        // Build a mutable trie first, then lay out every node's edges contiguously.
        var children = new List<SortedList<byte, int>> { new() };
        var values = new List<int> { -1 };
        foreach (var (key, value) in entries)
        {
            if (key.Length == 0) continue;
            int node = 0;
            foreach (byte b in key)
            {
                if (!children[node].TryGetValue(b, out int next))
                {
                    next = children.Count;
                    children.Add(new SortedList<byte, int>());
                    values.Add(-1);
                    children[node].Add(b, next);
                }
                node = next;
            }
            if (values[node] < 0) values[node] = value; // first piece wins, as SentencePiece keeps the first id of a duplicate
        }

        int nodeCount = children.Count;
        _edgeStart = new int[nodeCount];
        _edgeCount = new int[nodeCount];
        _value = values.ToArray();
        int edges = 0;
        foreach (var c in children) edges += c.Count;
        _edgeLabel = new byte[edges];
        _edgeTarget = new int[edges];
        int cursor = 0;
        for (int node = 0; node < nodeCount; node++)
        {
            _edgeStart[node] = cursor;
            _edgeCount[node] = children[node].Count;
            foreach (var (label, target) in children[node])
            {
                _edgeLabel[cursor] = label;
                _edgeTarget[cursor] = target;
                cursor++;
            }
        }
        Array.Fill(_rootChildren, -1);
        foreach (var (label, target) in children[0]) _rootChildren[label] = target;
    }

    /// <summary>Child of <paramref name="node"/> along <paramref name="label"/>, or -1.</summary>
    public int Next(int node, byte label)
    {
        if (node == Root) return _rootChildren[label];
        int start = _edgeStart[node];
        int count = _edgeCount[node];
        var labels = _edgeLabel;
        if (count <= LinearScanLimit)
        {
            for (int i = start; i < start + count; i++)
                if (labels[i] == label) return _edgeTarget[i];
            return -1;
        }
        int lo = start, hi = start + count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte m = labels[mid];
            if (m == label) return _edgeTarget[mid];
            if (m < label) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The piece id that ends at <paramref name="node"/>, or -1.</summary>
    public int Value(int node) => _value[node];
}
