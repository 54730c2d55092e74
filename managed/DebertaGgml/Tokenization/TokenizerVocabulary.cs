using System.Globalization;

namespace DebertaGgml.Tokenization;

/// <summary>Lookups derived once from <see cref="TokenizerModelData"/>: piece ids, byte pieces, special ids.</summary>
internal sealed class TokenizerVocabulary
{
    public TokenizerVocabulary(TokenizerModelData data)
    {
        Data = data;
        Pieces = [.. data.Pieces];
        Kinds = [.. data.Kinds];
        Scores = [.. data.Scores];
        PieceToId = new Dictionary<string, int>(Pieces.Length, StringComparer.Ordinal);
        for (int id = 0; id < Pieces.Length; id++) PieceToId.TryAdd(Pieces[id], id);

        ByteIds = new int[256];
        for (int b = 0; b < 256; b++)
        {
            // A byte without its <0xNN> piece falls back to [UNK], as SentencePiece's PieceToId does.
            ByteIds[b] = PieceToId.TryGetValue(BytePiece(b), out int id) && Kinds[id] == PieceKind.Byte ? id : data.UnkId;
        }
        SpecialIds = new HashSet<int>(new[] { data.ClsId, data.SepId, data.UnkId, data.PadId, data.MaskId }.Where(IsValidId));
    }

    public TokenizerModelData Data { get; }
    public string[] Pieces { get; }
    public PieceKind[] Kinds { get; }
    public float[] Scores { get; }
    public Dictionary<string, int> PieceToId { get; }
    public int[] ByteIds { get; }
    /// <summary>HF's all_special_ids: [CLS], [SEP], [UNK], [PAD], [MASK].</summary>
    public HashSet<int> SpecialIds { get; }
    public int UnkId => Data.UnkId;

    public bool IsValidId(int id) => id >= 0 && id < Pieces.Length;

    public static string BytePiece(int b) => string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>");

    /// <summary>Tokens matched in the raw text before segmentation: the special tokens and every user-defined (added) piece.</summary>
    public IEnumerable<(string Content, int Id)> AddedTokens()
    {
        for (int id = 0; id < Pieces.Length; id++)
        {
            if (SpecialIds.Contains(id) || Kinds[id] == PieceKind.UserDefined) yield return (Pieces[id], id);
        }
    }

    public AddedTokenMatcher CreateAddedTokenMatcher() => new(AddedTokens());

    /// <param name="searchable">Which pieces the Viterbi search may use.</param>
    /// <param name="minScoreOver">Which pieces define the minimum score the unknown penalty is taken from.</param>
    /// <param name="floatPathScores">SentencePiece's float path scores (true) or HF tokenizers' double ones.</param>
    public UnigramModel CreateUnigramModel(Func<PieceKind, bool> searchable, Func<PieceKind, bool> minScoreOver, bool floatPathScores)
    {
        float minScore = float.MaxValue;
        for (int id = 0; id < Pieces.Length; id++)
        {
            if (minScoreOver(Kinds[id])) minScore = Math.Min(minScore, Scores[id]);
        }
        if (minScore == float.MaxValue) minScore = 0;
        var entries = Enumerable.Range(0, Pieces.Length)
            .Where(id => searchable(Kinds[id]))
            .Select(id => (System.Text.Encoding.UTF8.GetBytes(Pieces[id]), id));
        return new UnigramModel(entries, Scores, minScore, Data.UnkId, floatPathScores);
    }
}
