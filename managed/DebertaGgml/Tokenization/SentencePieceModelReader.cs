namespace DebertaGgml.Tokenization;

/// <summary>
/// Reads a SentencePiece <c>spm.model</c> (ModelProto) into <see cref="TokenizerModelData"/>. Only unigram models
/// are accepted. Like HF's DebertaV2Tokenizer, a [MASK] token is appended at the end when the model lacks one.
/// </summary>
public static class SentencePieceModelReader
{
    internal const string DefaultMaskToken = "[MASK]";

    /// <summary>Reads <paramref name="path"/> and applies the HF files next to it (tokenizer_config.json, added_tokens.json) when present.</summary>
    public static TokenizerModelData Read(string path)
    {
        var data = Parse(TokenizerFile.ReadAllBytes(path, "SentencePiece model"), path);
        return HuggingFaceTokenizerConfig.ApplySiblingFiles(data, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Reads a ModelProto from <paramref name="stream"/> (no HF sibling files).</summary>
    public static TokenizerModelData Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), "stream");
    }

    private static TokenizerModelData Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        try
        {
            return ParseModel(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid SentencePiece model: {e.Message}", e);
        }
    }

    private static TokenizerModelData ParseModel(ReadOnlySpan<byte> bytes)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        var kinds = new List<PieceKind>();
        var trainer = new TrainerSpec();
        var normalizer = new NormalizerSpec();
        var reader = new ProtobufReader(bytes);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field, wireType)
            {
                case (1, 2):
                    ReadPiece(reader.ReadLengthDelimited(), pieces, scores, kinds);
                    break;
                case (2, 2):
                    trainer = ReadTrainerSpec(reader.ReadLengthDelimited());
                    break;
                case (3, 2):
                    normalizer = ReadNormalizerSpec(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        if (pieces.Count == 0) throw new InvalidDataException("the model has no pieces");
        if (trainer.ModelType != 1) throw new InvalidDataException($"model_type {trainer.ModelType} is not unigram (1); DeBERTa tokenizers are unigram models");
        if (trainer.TreatWhitespaceAsSuffix) throw new InvalidDataException("treat_whitespace_as_suffix is not supported");
        if (!normalizer.EscapeWhitespaces) throw new InvalidDataException("escape_whitespaces = false is not supported");
        if (trainer.UnkId < 0 || trainer.UnkId >= pieces.Count) throw new InvalidDataException($"unk_id {trainer.UnkId} is outside the {pieces.Count} pieces");

        int IdOf(string name, int fallback)
        {
            int index = pieces.IndexOf(name);
            return index >= 0 ? index : fallback;
        }
        int maskId = pieces.IndexOf(DefaultMaskToken);
        if (maskId < 0)
        {
            maskId = pieces.Count;
            pieces.Add(DefaultMaskToken);
            scores.Add(0);
            kinds.Add(PieceKind.UserDefined);
        }
        return new TokenizerModelData
        {
            Pieces = pieces,
            Scores = scores,
            Kinds = kinds,
            ClsId = IdOf("[CLS]", trainer.BosId),
            SepId = IdOf("[SEP]", trainer.EosId),
            UnkId = trainer.UnkId,
            PadId = IdOf("[PAD]", Math.Max(trainer.PadId, 0)),
            MaskId = maskId,
            AddDummyPrefix = normalizer.AddDummyPrefix,
            RemoveExtraWhitespaces = normalizer.RemoveExtraWhitespaces,
            PrecompiledCharsmap = normalizer.PrecompiledCharsmap,
            ByteFallback = trainer.ByteFallback,
            Source = TokenizerSource.SentencePiece,
        };
    }

    private static void ReadPiece(ReadOnlySpan<byte> message, List<string> pieces, List<float> scores, List<PieceKind> kinds)
    {
        string piece = "";
        float score = 0;
        var kind = PieceKind.Normal;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field, wireType)
            {
                case (1, 2): piece = reader.ReadString(); break;
                case (2, 5): score = reader.ReadFixed32Float(); break;
                case (3, 0):
                    int type = (int)reader.ReadVarint();
                    if (type < (int)PieceKind.Normal || type > (int)PieceKind.Byte) throw new InvalidDataException($"piece {pieces.Count} has unknown type {type}");
                    kind = (PieceKind)type;
                    break;
                default: reader.Skip(wireType); break;
            }
        }
        pieces.Add(piece);
        scores.Add(score);
        kinds.Add(kind);
    }

    private sealed class TrainerSpec
    {
        public int ModelType = 1;
        public bool ByteFallback;
        public bool TreatWhitespaceAsSuffix;
        public int UnkId;
        public int BosId = 1;
        public int EosId = 2;
        public int PadId = -1;
    }

    private sealed class NormalizerSpec
    {
        public byte[] PrecompiledCharsmap = [];
        public bool AddDummyPrefix = true;
        public bool RemoveExtraWhitespaces = true;
        public bool EscapeWhitespaces = true;
    }

    private static TrainerSpec ReadTrainerSpec(ReadOnlySpan<byte> message)
    {
        var spec = new TrainerSpec();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            if (wireType != 0)
            {
                reader.Skip(wireType);
                continue;
            }
            ulong value = reader.ReadVarint();
            switch (field)
            {
                case SentencePieceFields.TrainerModelType: spec.ModelType = (int)value; break;
                case SentencePieceFields.TrainerTreatWhitespaceAsSuffix: spec.TreatWhitespaceAsSuffix = value != 0; break;
                case SentencePieceFields.TrainerByteFallback: spec.ByteFallback = value != 0; break;
                case SentencePieceFields.TrainerUnkId: spec.UnkId = unchecked((int)value); break;
                case SentencePieceFields.TrainerBosId: spec.BosId = unchecked((int)value); break;
                case SentencePieceFields.TrainerEosId: spec.EosId = unchecked((int)value); break;
                case SentencePieceFields.TrainerPadId: spec.PadId = unchecked((int)value); break;
            }
        }
        return spec;
    }

    private static NormalizerSpec ReadNormalizerSpec(ReadOnlySpan<byte> message)
    {
        var spec = new NormalizerSpec();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out int field, out int wireType))
        {
            switch (field, wireType)
            {
                case (SentencePieceFields.NormalizerCharsmap, 2): spec.PrecompiledCharsmap = reader.ReadLengthDelimited().ToArray(); break;
                case (SentencePieceFields.NormalizerAddDummyPrefix, 0): spec.AddDummyPrefix = reader.ReadVarint() != 0; break;
                case (SentencePieceFields.NormalizerRemoveExtraWhitespaces, 0): spec.RemoveExtraWhitespaces = reader.ReadVarint() != 0; break;
                case (SentencePieceFields.NormalizerEscapeWhitespaces, 0): spec.EscapeWhitespaces = reader.ReadVarint() != 0; break;
                default: reader.Skip(wireType); break;
            }
        }
        return spec;
    }
}

/// <summary>Field numbers of sentencepiece_model.proto used here.</summary>
internal static class SentencePieceFields
{
    public const int ModelPieces = 1, ModelTrainerSpec = 2, ModelNormalizerSpec = 3;
    public const int PiecePiece = 1, PieceScore = 2, PieceType = 3;
    public const int TrainerModelType = 3, TrainerVocabSize = 4, TrainerTreatWhitespaceAsSuffix = 24, TrainerByteFallback = 35;
    public const int TrainerUnkId = 40, TrainerBosId = 41, TrainerEosId = 42, TrainerPadId = 43;
    public const int TrainerUnkPiece = 45, TrainerBosPiece = 46, TrainerEosPiece = 47, TrainerPadPiece = 48;
    public const int NormalizerName = 1, NormalizerCharsmap = 2, NormalizerAddDummyPrefix = 3, NormalizerRemoveExtraWhitespaces = 4, NormalizerEscapeWhitespaces = 5;
}
