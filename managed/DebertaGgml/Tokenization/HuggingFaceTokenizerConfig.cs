using System.Text.Json;

namespace DebertaGgml.Tokenization;

/// <summary>
/// The HF files saved next to a tokenizer: tokenizer_config.json (do_lower_case, split_by_punct, model_max_length,
/// added_tokens_decoder, special token names), special_tokens_map.json and added_tokens.json.
/// </summary>
internal static class HuggingFaceTokenizerConfig
{
    public static TokenizerModelData ApplySiblingFiles(TokenizerModelData data, string directory)
    {
        var config = ReadJson(Path.Combine(directory, "tokenizer_config.json"));
        var specialMap = ReadJson(Path.Combine(directory, "special_tokens_map.json"));
        var addedTokens = ReadJson(Path.Combine(directory, "added_tokens.json"));

        var pieces = data.Pieces.ToList();
        var scores = data.Scores.ToList();
        var kinds = data.Kinds.ToList();
        var added = new SortedDictionary<int, string>();
        if (config?.TryGetProperty("added_tokens_decoder", out var decoder) == true && decoder.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                if (int.TryParse(entry.Name, out int id) && entry.Value.TryGetProperty("content", out var content) && content.GetString() is { } text) added[id] = text;
            }
        }
        if (addedTokens?.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in addedTokens.Value.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.Number) added[entry.Value.GetInt32()] = entry.Name;
            }
        }
        foreach (var (id, content) in added)
        {
            if (id < pieces.Count)
            {
                if (pieces[id] != content) throw new InvalidDataException($"added token '{content}' at id {id} in '{directory}' conflicts with piece '{pieces[id]}'");
                continue;
            }
            if (id != pieces.Count) throw new InvalidDataException($"added token '{content}' has id {id} but the vocabulary ends at {pieces.Count}; ids must be contiguous");
            pieces.Add(content);
            scores.Add(0);
            kinds.Add(PieceKind.UserDefined);
        }

        int IdOf(string key, int fallback)
        {
            string? name = TokenName(config, key) ?? TokenName(specialMap, key);
            if (name is null) return fallback;
            int id = pieces.IndexOf(name);
            return id >= 0 ? id : fallback;
        }

        return data with
        {
            Pieces = pieces,
            Scores = scores,
            Kinds = kinds,
            ClsId = IdOf("cls_token", data.ClsId),
            SepId = IdOf("sep_token", data.SepId),
            UnkId = IdOf("unk_token", data.UnkId),
            PadId = IdOf("pad_token", data.PadId),
            MaskId = IdOf("mask_token", data.MaskId),
            DoLowerCase = Bool(config, "do_lower_case") ?? data.DoLowerCase,
            SplitByPunct = Bool(config, "split_by_punct") ?? data.SplitByPunct,
            ModelMaxLength = ModelMaxLength(config) ?? data.ModelMaxLength,
        };
    }

    private static JsonElement? ReadJson(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A special token is written either as a string or as an AddedToken object with "content".</summary>
    private static string? TokenName(JsonElement? json, string key)
    {
        if (json?.ValueKind != JsonValueKind.Object || !json.Value.TryGetProperty(key, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        };
    }

    private static bool? Bool(JsonElement? json, string key) =>
        json?.ValueKind == JsonValueKind.Object && json.Value.TryGetProperty(key, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>HF writes a huge sentinel (1e30) when there is no limit; only real limits are kept.</summary>
    private static int? ModelMaxLength(JsonElement? json)
    {
        if (json?.ValueKind != JsonValueKind.Object || !json.Value.TryGetProperty("model_max_length", out var value) || value.ValueKind != JsonValueKind.Number) return null;
        double length = value.GetDouble();
        return length is > 0 and <= int.MaxValue ? (int)length : null;
    }
}
