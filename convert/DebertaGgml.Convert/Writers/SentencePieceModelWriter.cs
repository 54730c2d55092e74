using DebertaGgml.Tokenization;

namespace DebertaGgml.Convert;

/// <summary>
/// Writes <see cref="TokenizerModelData"/> as a SentencePiece ModelProto that SentencePiece and
/// <see cref="SentencePieceModelReader"/> load back to the same vocabulary and normalization. Added tokens
/// ([MASK]) are written as USER_DEFINED pieces; trainer fields that do not affect encoding are not kept.
/// </summary>
public static class SentencePieceModelWriter
{
    /// <summary>Writes <paramref name="data"/> as a ModelProto to <paramref name="stream"/>.</summary>
    public static void Write(TokenizerModelData data, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(stream);
        var model = new ProtobufWriter();
        for (int id = 0; id < data.Pieces.Count; id++)
        {
            var piece = new ProtobufWriter();
            piece.WriteStringField(SentencePieceFields.PiecePiece, data.Pieces[id]);
            piece.WriteFloatField(SentencePieceFields.PieceScore, data.Scores[id]);
            if (data.Kinds[id] != PieceKind.Normal) piece.WriteVarintField(SentencePieceFields.PieceType, (ulong)data.Kinds[id]);
            model.WriteMessageField(SentencePieceFields.ModelPieces, piece);
        }

        var trainer = new ProtobufWriter();
        trainer.WriteVarintField(SentencePieceFields.TrainerModelType, 1);
        trainer.WriteInt32Field(SentencePieceFields.TrainerVocabSize, data.Pieces.Count);
        trainer.WriteBoolField(SentencePieceFields.TrainerByteFallback, data.ByteFallback);
        trainer.WriteInt32Field(SentencePieceFields.TrainerUnkId, data.UnkId);
        trainer.WriteInt32Field(SentencePieceFields.TrainerBosId, data.ClsId);
        trainer.WriteInt32Field(SentencePieceFields.TrainerEosId, data.SepId);
        trainer.WriteInt32Field(SentencePieceFields.TrainerPadId, data.PadId);
        trainer.WriteStringField(SentencePieceFields.TrainerUnkPiece, data.Pieces[data.UnkId]);
        trainer.WriteStringField(SentencePieceFields.TrainerBosPiece, data.Pieces[data.ClsId]);
        trainer.WriteStringField(SentencePieceFields.TrainerEosPiece, data.Pieces[data.SepId]);
        trainer.WriteStringField(SentencePieceFields.TrainerPadPiece, data.Pieces[data.PadId]);
        model.WriteMessageField(SentencePieceFields.ModelTrainerSpec, trainer);

        var normalizer = new ProtobufWriter();
        normalizer.WriteStringField(SentencePieceFields.NormalizerName, data.PrecompiledCharsmap.Length > 0 ? "nmt_nfkc" : "identity");
        if (data.PrecompiledCharsmap.Length > 0) normalizer.WriteBytesField(SentencePieceFields.NormalizerCharsmap, data.PrecompiledCharsmap);
        normalizer.WriteBoolField(SentencePieceFields.NormalizerAddDummyPrefix, data.AddDummyPrefix);
        normalizer.WriteBoolField(SentencePieceFields.NormalizerRemoveExtraWhitespaces, data.RemoveExtraWhitespaces);
        normalizer.WriteBoolField(SentencePieceFields.NormalizerEscapeWhitespaces, true);
        model.WriteMessageField(SentencePieceFields.ModelNormalizerSpec, normalizer);

        stream.Write(model.ToArray());
    }

    /// <summary>Writes to <paramref name="path"/> through a temporary file, so a failure never leaves a partial model.</summary>
    public static void Write(TokenizerModelData data, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string temporary = path + ".tmp";
        try
        {
            using (var stream = File.Create(temporary)) Write(data, stream);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
