using DebertaGgml.Native;

namespace DebertaGgml.Tests.Foundation;

/// <summary>Public C# enums that restate a C enum of deberta.h hold the same names and values (drift guard).</summary>
public class EnumMirrorTests
{
    /// <summary>"INVALID_ARGUMENT" -> "InvalidArgument".</summary>
    internal static string PascalCase(string cName) =>
        string.Concat(cName.Split('_').Select(w => w[..1] + w[1..].ToLowerInvariant()));

    /// <summary>Same values, and names equal to <paramref name="nameOf"/> (default PascalCase) of the C names
    /// without <paramref name="prefix"/>.</summary>
    internal static void AssertMirrors<TPublic, TNative>(string prefix, Func<string, string>? nameOf = null)
        where TPublic : struct, Enum where TNative : struct, Enum
    {
        var native = Enum.GetValues<TNative>()
            .Select(v => (Name: (nameOf ?? PascalCase)(v.ToString()[prefix.Length..]), Value: System.Convert.ToInt64(v)))
            .OrderBy(p => p.Value).ToList();
        var mirrored = Enum.GetValues<TPublic>()
            .Select(v => (Name: v.ToString(), Value: System.Convert.ToInt64(v)))
            .OrderBy(p => p.Value).ToList();
        Assert.Equal(native, mirrored);
    }

    [Fact]
    public void Status_mirrors_deberta_status() => AssertMirrors<DebertaStatus, deberta_status>("DEBERTA_STATUS_");

    [Fact]
    public void GgufValueType_mirrors_deberta_meta_type() =>
        AssertMirrors<DebertaGgml.Gguf.GgufValueType, deberta_meta_type>("DEBERTA_META_TYPE_", n => PascalCase(n).Replace("Uint", "UInt"));
}
