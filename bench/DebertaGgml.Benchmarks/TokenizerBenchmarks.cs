using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using DebertaGgml.Tokenization;
using Microsoft.ML.Tokenizers;

namespace DebertaGgml.Benchmarks;

/// <summary>
/// Encoding throughput of <see cref="DebertaTokenizer"/> against Microsoft.ML.Tokenizers' SentencePieceTokenizer on the
/// same spm.model and the same text: the fixture texts (English, European, CJK, emoji) joined into one ~64 KB document,
/// and the same texts encoded one by one. Tokens per second = token count / mean time (both printed in setup).
/// </summary>
[ShortRunJob(RuntimeMoniker.Net10_0)]
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private DebertaTokenizer _deberta = null!;
    private SentencePieceTokenizer _mlNet = null!;
    private string _document = "";
    private string[] _sentences = [];

    /// <summary>tokenizer: plain unigram spm; tokenizer_bf: the byte-fallback spm (deberta-v3 style).</summary>
    [Params("tokenizer", "tokenizer_bf")]
    public string Model { get; set; } = "tokenizer";

    [GlobalSetup]
    public void Setup()
    {
        string folder = Path.Combine(RepoPaths.Root, "tests", "fixtures", Model);
        string spm = Path.Combine(folder, "spm.model");
        _deberta = DebertaTokenizer.FromSentencePiece(spm);
        using (var stream = File.OpenRead(spm)) _mlNet = SentencePieceTokenizer.Create(stream, false, false);
        using var refs = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "tokenizer_refs.json")));
        _sentences = refs.RootElement.GetProperty("variants")[0].GetProperty("singles").EnumerateArray()
            .Select(s => s.GetProperty("text").GetString()!).Where(t => t.Length > 0).ToArray();
        var builder = new System.Text.StringBuilder();
        while (builder.Length < 64 * 1024) builder.AppendJoin(' ', _sentences).Append(' ');
        _document = builder.ToString();
        Console.WriteLine($"// {Model}: document {_document.Length} chars, DebertaTokenizer {_deberta.EncodeToIds(_document, options: NoSpecial).Count} tokens, " +
            $"ML.Tokenizers {_mlNet.EncodeToIds(_document, false, false).Count} tokens; sentences {_sentences.Length}, " +
            $"{_sentences.Sum(s => _deberta.EncodeToIds(s, options: NoSpecial).Count)} tokens");
    }

    private static readonly EncodeOptions NoSpecial = new() { AddSpecialTokens = false };

    [Benchmark(Baseline = true)]
    public int MlTokenizers_Document() => _mlNet.EncodeToIds(_document, false, false).Count;

    [Benchmark]
    public int Deberta_Document() => _deberta.EncodeToIds(_document, options: NoSpecial).Count;

    [Benchmark]
    public int MlTokenizers_Sentences()
    {
        int total = 0;
        foreach (var sentence in _sentences) total += _mlNet.EncodeToIds(sentence, false, false).Count;
        return total;
    }

    [Benchmark]
    public int Deberta_Sentences()
    {
        int total = 0;
        foreach (var sentence in _sentences) total += _deberta.EncodeToIds(sentence, options: NoSpecial).Count;
        return total;
    }

    /// <summary>Token strings and offsets: ML.Tokenizers' EncodeToTokens against our full TokenEncoding (offsets into the original text).</summary>
    [Benchmark]
    public int MlTokenizers_Document_WithOffsets() => _mlNet.EncodeToTokens(_document, out _, false, false).Count;

    [Benchmark]
    public int Deberta_Document_WithOffsets() => _deberta.Encode(_document, options: NoSpecial).Length;
}
