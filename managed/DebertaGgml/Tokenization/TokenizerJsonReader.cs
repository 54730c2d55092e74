using System.Text.Json;
using System.Text.RegularExpressions;

namespace DebertaGgml.Tokenization;

/// <summary>
/// Reads a HF tokenizer.json of the shape DebertaV2Converter writes (Unigram model; normalizers Strip, Precompiled,
/// Replace, optional Lowercase; pre-tokenizers Metaspace, optional Punctuation) into <see cref="TokenizerModelData"/>
/// with <see cref="TokenizerSource.TokenizerJson"/>, so the fast tokenizer's behaviour (byte_fallback as the file
/// says) is kept. Other pipeline components are rejected rather than silently ignored.
/// </summary>
public static partial class TokenizerJsonReader
{
    private static readonly HashSet<string> KnownNormalizers = ["Sequence", "Strip", "Precompiled", "Replace", "Lowercase"];
    private static readonly HashSet<string> KnownPreTokenizers = ["Sequence", "Metaspace", "Punctuation"];

    /// <summary>Reads <paramref name="path"/>; tokenizer_config.json, special_tokens_map.json, added_tokens.json next to it are applied.</summary>
    public static TokenizerModelData Read(string path)
    {
        var data = Parse(TokenizerFile.ReadAllBytes(path, "tokenizer.json"), path);
        var withConfig = HuggingFaceTokenizerConfig.ApplySiblingFiles(data, Path.GetDirectoryName(Path.GetFullPath(path))!);
        // The fast tokenizer's own pipeline decides lowercasing and punctuation splitting, not tokenizer_config.json.
        return withConfig with { DoLowerCase = data.DoLowerCase, SplitByPunct = data.SplitByPunct };
    }

    /// <summary>Reads a fast tokenizer.json with a Unigram model.</summary>
    public static TokenizerModelData Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), "stream");
    }

    private static TokenizerModelData Parse(byte[] bytes, string sourceName)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            return ParseRoot(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new InvalidDataException($"'{sourceName}' is not a readable tokenizer.json: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{sourceName}': {e.Message}", e);
        }
    }

    private static TokenizerModelData ParseRoot(JsonElement root)
    {
        var model = root.GetProperty("model");
        string type = model.TryGetProperty("type", out var typeElement) ? typeElement.GetString() ?? "" : "";
        if (type != "Unigram") throw new InvalidDataException($"model type '{type}' is not Unigram; DeBERTa tokenizers are unigram models");

        var pieces = new List<string>();
        var scores = new List<float>();
        foreach (var entry in model.GetProperty("vocab").EnumerateArray())
        {
            pieces.Add(entry[0].GetString() ?? throw new InvalidDataException("vocab entry without a piece"));
            scores.Add((float)entry[1].GetDouble());
        }
        int unkId = model.TryGetProperty("unk_id", out var unk) && unk.ValueKind == JsonValueKind.Number ? unk.GetInt32() : throw new InvalidDataException("model.unk_id is missing");
        bool byteFallback = model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True;

        var kinds = pieces.Select(p => BytePiecePattern().IsMatch(p) ? PieceKind.Byte : PieceKind.Normal).ToList();
        kinds[unkId] = PieceKind.Unknown;
        int vocabCount = pieces.Count;
        var added = new SortedDictionary<int, (string Content, bool Special)>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedTokens.EnumerateArray())
                added[token.GetProperty("id").GetInt32()] = (token.GetProperty("content").GetString()!, token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True);
        }
        foreach (var (id, (content, special)) in added)
        {
            if (id < vocabCount)
            {
                if (pieces[id] != content) throw new InvalidDataException($"added token '{content}' at id {id} differs from vocab piece '{pieces[id]}'");
                if (special && id != unkId) kinds[id] = PieceKind.Control;
                continue;
            }
            if (id != pieces.Count) throw new InvalidDataException($"added token '{content}' has id {id} but the vocabulary ends at {pieces.Count}");
            pieces.Add(content);
            scores.Add(0);
            kinds.Add(PieceKind.UserDefined);
        }

        var normalizers = Flatten(root.TryGetProperty("normalizer", out var n) ? n : default, "normalizers", KnownNormalizers, "normalizer");
        var preTokenizers = Flatten(root.TryGetProperty("pre_tokenizer", out var p) ? p : default, "pretokenizers", KnownPreTokenizers, "pre_tokenizer");
        byte[] charsmap = normalizers.Where(x => x.GetProperty("type").GetString() == "Precompiled")
            .Select(x => x.GetProperty("precompiled_charsmap").GetString() is { } b64 ? Convert.FromBase64String(b64) : [])
            .FirstOrDefault() ?? [];
        var metaspace = preTokenizers.FirstOrDefault(x => x.GetProperty("type").GetString() == "Metaspace");
        bool prefix = metaspace.ValueKind == JsonValueKind.Object && MetaspacePrepends(metaspace);

        int IdOf(string name, int fallbackId) => pieces.IndexOf(name) is var id and >= 0 ? id : fallbackId;
        return new TokenizerModelData
        {
            Pieces = pieces,
            Scores = scores,
            Kinds = kinds,
            ClsId = IdOf("[CLS]", 1),
            SepId = IdOf("[SEP]", 2),
            UnkId = unkId,
            PadId = IdOf("[PAD]", 0),
            MaskId = pieces.IndexOf("[MASK]"),
            AddDummyPrefix = prefix,
            RemoveExtraWhitespaces = normalizers.Any(x => x.GetProperty("type").GetString() == "Strip"),
            PrecompiledCharsmap = charsmap,
            DoLowerCase = normalizers.Any(x => x.GetProperty("type").GetString() == "Lowercase"),
            SplitByPunct = preTokenizers.Any(x => x.GetProperty("type").GetString() == "Punctuation"),
            ByteFallback = byteFallback,
            Source = TokenizerSource.TokenizerJson,
        };
    }

    /// <summary>prepend_scheme "always"/"first", or the older add_prefix_space flag.</summary>
    private static bool MetaspacePrepends(JsonElement metaspace)
    {
        if (metaspace.TryGetProperty("prepend_scheme", out var scheme)) return scheme.GetString() != "never";
        return !metaspace.TryGetProperty("add_prefix_space", out var add) || add.ValueKind != JsonValueKind.False;
    }

    private static List<JsonElement> Flatten(JsonElement element, string listName, HashSet<string> known, string what)
    {
        var result = new List<JsonElement>();
        if (element.ValueKind != JsonValueKind.Object) return result;
        string type = element.GetProperty("type").GetString() ?? "";
        if (!known.Contains(type)) throw new InvalidDataException($"{what} '{type}' is not supported (DeBERTa tokenizer.json files use {string.Join(", ", known)})");
        if (type == "Sequence")
        {
            foreach (var child in element.GetProperty(listName).EnumerateArray()) result.AddRange(Flatten(child, listName, known, what));
        }
        else result.Add(element);
        return result;
    }

    [GeneratedRegex("^<0x[0-9A-F]{2}>$")]
    private static partial Regex BytePiecePattern();
}
