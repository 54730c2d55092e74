using DebertaGgml.Native;

namespace DebertaGgml.Tests.Foundation;

/// <summary>Public C# enums that restate a C enum of deberta.h hold the same names and values (drift guard).</summary>
public class EnumMirrorTests
{
    /// <summary>"DEBERTA_STATUS_INVALID_ARGUMENT" with prefix "DEBERTA_STATUS_" -> "InvalidArgument".</summary>
    internal static string PascalCase(string cName, string prefix) =>
        string.Concat(cName[prefix.Length..].Split('_').Select(w => w[..1] + w[1..].ToLowerInvariant()));

    internal static void AssertMirrors<TPublic, TNative>(string prefix, Func<string, string>? rename = null)
        where TPublic : struct, Enum where TNative : struct, Enum
    {
        var native = Enum.GetValues<TNative>()
            .Select(v => (Name: (rename ?? (n => n))(PascalCase(v.ToString(), prefix)), Value: System.Convert.ToInt64(v)))
            .OrderBy(p => p.Value).ToList();
        var mirrored = Enum.GetValues<TPublic>()
            .Select(v => (Name: v.ToString(), Value: System.Convert.ToInt64(v)))
            .OrderBy(p => p.Value).ToList();
        Assert.Equal(native, mirrored);
    }

    [Fact]
    public void StatusMirrorsDebertaStatus() => AssertMirrors<DebertaStatus, deberta_status>("DEBERTA_STATUS_");
}
