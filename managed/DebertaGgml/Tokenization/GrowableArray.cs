namespace DebertaGgml.Tokenization;

/// <summary>A reusable array with a count, so the encoding hot path allocates nothing per call.</summary>
internal sealed class GrowableArray<T>
{
    public T[] Items = new T[64];
    public int Count;

    public void Clear() => Count = 0;

    public void Add(T item)
    {
        if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
        Items[Count++] = item;
    }

    /// <summary>Makes room for <paramref name="size"/> items and sets the count to it (contents unspecified).</summary>
    public T[] Resize(int size)
    {
        if (Items.Length < size) Items = new T[Math.Max(size, Items.Length * 2)];
        Count = size;
        return Items;
    }

    public void Truncate(int count) => Count = count;

    public Span<T> AsSpan() => Items.AsSpan(0, Count);
}
