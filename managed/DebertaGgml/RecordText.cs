namespace DebertaGgml;

/// <summary>
/// Lists as the public records print them: their items in brackets (the compiler's record ToString prints a list's
/// type name).
/// </summary>
internal static class RecordText
{
    public static string List<T>(IEnumerable<T> items) => $"[{string.Join(", ", items.Select(i => i is System.Collections.IEnumerable inner and not string ? List(inner.Cast<object>()) : i?.ToString()))}]";
}
