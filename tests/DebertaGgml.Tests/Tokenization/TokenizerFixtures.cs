using System.Text.Json;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Tests.Tokenization;

/// <summary>Locates tests/fixtures and reads the tokenizer reference files (HF slow DebertaV2Tokenizer outputs).</summary>
internal static class TokenizerFixtures
{
    public static readonly string[] Folders = ["tokenizer", "tokenizer_bf"];

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string FixturePath(params string[] parts) => Path.Combine([RepoRoot, "tests", "fixtures", .. parts]);

    public static JsonElement LoadRefs(string folder, string file = "tokenizer_refs.json")
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(FixturePath(folder, file)));
        return document.RootElement.Clone();
    }

    public static IEnumerable<object[]> FolderVariants()
    {
        foreach (var folder in Folders)
        {
            int count = LoadRefs(folder).GetProperty("variants").GetArrayLength();
            for (int v = 0; v < count; v++) yield return [folder, v];
        }
    }

    public static DebertaTokenizer SentencePieceTokenizer(string folder, JsonElement variant) =>
        DebertaTokenizer.FromSentencePiece(FixturePath(folder, "spm.model"), OptionsOf(variant));

    public static DebertaTokenizerOptions OptionsOf(JsonElement variant) => new()
    {
        DoLowerCase = variant.GetProperty("do_lower_case").GetBoolean(),
        SplitByPunct = variant.GetProperty("split_by_punct").GetBoolean(),
    };

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static TruncationStrategy Strategy(string name) => name switch
    {
        "longest_first" => TruncationStrategy.LongestFirst,
        "only_first" => TruncationStrategy.OnlyFirst,
        "only_second" => TruncationStrategy.OnlySecond,
        "do_not_truncate" => TruncationStrategy.None,
        _ => throw new ArgumentException($"unknown truncation strategy '{name}' in the fixture"),
    };

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DebertaGgml.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no folder containing DebertaGgml.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>Collects every mismatch of a fixture run so one failure lists them all.</summary>
internal sealed class MismatchLog
{
    private readonly List<string> _lines = [];

    public void Check<T>(string what, IEnumerable<T> expected, IEnumerable<T> actual)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        if (!e.SequenceEqual(a)) _lines.Add($"{what}\n    expected [{string.Join(", ", e)}]\n    actual   [{string.Join(", ", a)}]");
    }

    public void Check(string what, string expected, string actual)
    {
        if (expected != actual) _lines.Add($"{what}\n    expected '{expected}'\n    actual   '{actual}'");
    }

    public int Count => _lines.Count;

    public void AssertEmpty() => Assert.True(_lines.Count == 0, $"{_lines.Count} mismatches:\n" + string.Join("\n", _lines.Take(40)));
}
