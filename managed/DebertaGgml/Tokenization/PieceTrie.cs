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
        // Keys in sorted order (ties in input order: the first piece of a duplicate wins, as SentencePiece keeps the
        // first id) share their common prefix with the previous key, so nodes come in depth-first order and each new
        // child has the largest label of its parent so far: per-node child lists in flat arrays suffice.
        var items = entries.Where(e => e.Key.Length > 0).ToArray();
        var order = new int[items.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int c = items[a].Key.AsSpan().SequenceCompareTo(items[b].Key);
            return c != 0 ? c : a.CompareTo(b);
        });

        int maxNodes = 1;
        foreach (var item in items) maxNodes += item.Key.Length;
        var label = new byte[maxNodes];
        var firstChild = new int[maxNodes];
        var lastChild = new int[maxNodes];
        var nextSibling = new int[maxNodes];
        var values = new int[maxNodes];
        firstChild[Root] = lastChild[Root] = nextSibling[Root] = values[Root] = -1;
        int nodeCount = 1;
        var path = new List<int> { Root }; // path[d]: the node at depth d of the previous key
        byte[] previous = [];
        foreach (int index in order)
        {
            var (key, value) = items[index];
            int common = key.AsSpan().CommonPrefixLength(previous);
            path.RemoveRange(common + 1, path.Count - common - 1);
            int node = path[common];
            for (int d = common; d < key.Length; d++)
            {
                int child = nodeCount++;
                label[child] = key[d];
                firstChild[child] = lastChild[child] = nextSibling[child] = values[child] = -1;
                if (lastChild[node] < 0) firstChild[node] = child;
                else nextSibling[lastChild[node]] = child;
                lastChild[node] = child;
                node = child;
                path.Add(node);
            }
            if (values[node] < 0) values[node] = value;
            previous = key;
        }

        _edgeStart = new int[nodeCount];
        _edgeCount = new int[nodeCount];
        _value = values[..nodeCount];
        _edgeLabel = new byte[nodeCount - 1];
        _edgeTarget = new int[nodeCount - 1];
        int cursor = 0;
        for (int node = 0; node < nodeCount; node++)
        {
            _edgeStart[node] = cursor;
            for (int child = firstChild[node]; child >= 0; child = nextSibling[child])
            {
                _edgeLabel[cursor] = label[child];
                _edgeTarget[cursor] = child;
                cursor++;
            }
            _edgeCount[node] = cursor - _edgeStart[node];
        }
        Array.Fill(_rootChildren, -1);
        for (int child = firstChild[Root]; child >= 0; child = nextSibling[child]) _rootChildren[label[child]] = child;
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
