using System.Text.Json;
using DebertaGgml.Tokenization;

namespace DebertaGgml.Convert;

/// <summary>The tokenizer of an HF model folder: spm.model, else tokenizer.json, with the HF config files next to it.</summary>
public static class HfTokenizerFiles
{
    /// <summary>The SentencePiece model of a slow DebertaV2Tokenizer.</summary>
    public const string SentencePieceModel = "spm.model";
    /// <summary>The fast tokenizer's file.</summary>
    public const string TokenizerJson = "tokenizer.json";

    /// <summary>Reads the folder's tokenizer (spm.model or tokenizer.json plus the config files) for a vocabulary of <paramref name="vocabSize"/> rows.</summary>
    public static TokenizerModelData Load(string folder, int vocabSize)
    {
        string spm = Path.Combine(folder, SentencePieceModel), json = Path.Combine(folder, TokenizerJson);
        string file = File.Exists(spm) ? spm
            : File.Exists(json) ? json
            : throw new ConvertException(folder, $"no tokenizer found (expected {SentencePieceModel} or {TokenizerJson})");
        TokenizerModelData data;
        try
        {
            data = file == spm ? SentencePieceModelReader.Read(spm) : TokenizerJsonReader.Read(json);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or JsonException or ArgumentException or NotSupportedException)
        {
            throw new ConvertException(file, $"cannot read the tokenizer: {e.Message}", e);
        }
        // Ids beyond the embedding rows could not be looked up; fewer pieces than rows is normal (deberta-v3: 128001 < 128100).
        if (data.Pieces.Count > vocabSize)
            throw new ConvertException(file, $"the tokenizer has {data.Pieces.Count} tokens but config.json vocab_size is {vocabSize}");
        return data;
    }
}
