using System.Globalization;
using System.Text;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Graph;

/// <summary>Runs only when DEBERTA_QUANT_STUDY names the markdown file to write (the generator of docs/quantization.md).</summary>
public sealed class QuantizationStudyFactAttribute : FactAttribute
{
    public QuantizationStudyFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(QuantizationStudy.OutputVariable) is not { Length: > 0 })
            Skip = $"opt-in: set {QuantizationStudy.OutputVariable}=<output.md> (and {QuantizationStudy.ModelVariable}=<HF folder>)";
    }
}

/// <summary>
/// The tables of docs/quantization.md: every type against F32 on the fixtures and, when DEBERTA_QUANT_STUDY_MODEL names
/// an HF sequence-classification folder (tests/tools/make-synthetic-deberta.cs --labels 3), on that model.
/// </summary>
public class QuantizationStudy
{
    public const string OutputVariable = "DEBERTA_QUANT_STUDY", ModelVariable = "DEBERTA_QUANT_STUDY_MODEL";
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [QuantizationStudyFact]
    public void Write_the_quantization_tables()
    {
        var text = new StringBuilder();
        FixtureTable(text);
        if (Environment.GetEnvironmentVariable(ModelVariable) is { Length: > 0 } model) ModelTable(text, model);
        string output = Environment.GetEnvironmentVariable(OutputVariable)!;
        File.WriteAllText(output + ".tmp", text.ToString());
        File.Move(output + ".tmp", output, overwrite: true);
    }

    static void FixtureTable(StringBuilder text)
    {
        text.AppendLine("| type | tensors in v3-SequenceClassification | hidden cosine (min) | hidden max abs | logits cosine (min) | cls/token/QA logits max abs | MLM logits max abs |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        string dir = Directory.CreateTempSubdirectory("deberta-quant-study-").FullName;
        try
        {
            foreach (var type in QuantizationMetrics.Types)
            {
                var contents = HfToGgufConverter.Convert(Repo.Fixtures("models", "v3-SequenceClassification"), Path.Combine(dir, $"{type}.gguf"),
                    new ConvertOptions { Type = type, HeadType = type }).TensorsByType;
                double hiddenCos = 1, hiddenAbs = 0, logitsCos = 1, logitsAbs = 0, mlmAbs = 0;
                foreach (string fixture in FixtureRef.Names)
                {
                    var m = QuantizationMetrics.ForFixture(fixture, type);
                    hiddenCos = Math.Min(hiddenCos, m.HiddenCosine);
                    hiddenAbs = Math.Max(hiddenAbs, m.HiddenMaxAbs);
                    if (double.IsNaN(m.LogitsCosine)) continue;
                    logitsCos = Math.Min(logitsCos, m.LogitsCosine);
                    if (fixture.Contains("MaskedLM")) mlmAbs = Math.Max(mlmAbs, m.LogitsMaxAbs);
                    else logitsAbs = Math.Max(logitsAbs, m.LogitsMaxAbs);
                }
                text.AppendLine(Inv, $"| {type} | {Describe(contents)} | {hiddenCos:F6} | {hiddenAbs:E2} | {logitsCos:F6} | {logitsAbs:E2} | {mlmAbs:E2} |");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        text.AppendLine();
    }

    // Inputs at realistic lengths: one full 128-token sequence, a padded batch of 4 x 64, one 256-token sequence.
    static readonly (int B, int T, int[] Lengths)[] ModelInputs = [(1, 128, [128]), (4, 64, [64, 48, 31, 17]), (1, 256, [256])];

    static void ModelTable(StringBuilder text, string hfFolder)
    {
        text.AppendLine(Inv, $"Inputs: {string.Join(", ", ModelInputs.Select(i => $"{i.B}x{i.T} (real lengths {string.Join("/", i.Lengths)})"))}; seeded random ids.");
        text.AppendLine();
        text.AppendLine("| type | tensors | GGUF bytes | hidden cosine | hidden max abs | logits cosine | logits max abs | max abs per input (hidden; logits) |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        string dir = Directory.CreateTempSubdirectory("deberta-quant-study-model-").FullName;
        try
        {
            string f32Path = Path.Combine(dir, "F32.gguf");
            HfToGgufConverter.Convert(hfFolder, f32Path, new ConvertOptions { Type = GgmlType.F32 });
            var inputs = ModelInputs.Select(MakeInput).ToList();
            List<EvalResult> reference;
            using (var f32 = new NativeModel(f32Path, maxBatch: 4, maxTokens: 256))
                reference = inputs.Select(i => f32.Eval(i.B, 1, i.T, i.Ids, i.Mask, null)).ToList();
            foreach (var type in QuantizationMetrics.Types)
            {
                string path = Path.Combine(dir, $"{type}.gguf");
                var result = HfToGgufConverter.Convert(hfFolder, path, new ConvertOptions { Type = type, HeadType = type });
                var hidden = new QuantizationMetrics.Accumulator();
                var logits = new QuantizationMetrics.Accumulator();
                var perInput = new List<string>();
                using (var model = new NativeModel(path, maxBatch: 4, maxTokens: 256))
                {
                    for (int k = 0; k < inputs.Count; k++)
                    {
                        var (b, t, ids, mask) = inputs[k];
                        var got = model.Eval(b, 1, t, ids, mask, null);
                        var one = new QuantizationMetrics.Accumulator();
                        var oneLogits = new QuantizationMetrics.Accumulator();
                        foreach (var acc in new[] { hidden, one })
                            acc.AddAtRealTokens(reference[k].LastHidden, got.LastHidden, mask);
                        logits.Add(reference[k].Logits!, got.Logits!);
                        oneLogits.Add(reference[k].Logits!, got.Logits!);
                        perInput.Add(string.Create(Inv, $"{one.MaxAbs:E1}; {oneLogits.MaxAbs:E1}"));
                    }
                }
                text.AppendLine(Inv, $"| {type} | {Describe(result.TensorsByType)} | {result.OutputBytes:N0} | {hidden.Cosine:F6} | {hidden.MaxAbs:E2} | {logits.Cosine:F6} | {logits.MaxAbs:E2} | {string.Join(" / ", perInput)} |");
                File.Delete(path);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static (int B, int T, int[] Ids, int[] Mask) MakeInput((int B, int T, int[] Lengths) input)
    {
        var random = new Random(7 * input.T + input.B);
        int[] ids = new int[input.B * input.T], mask = new int[input.B * input.T];
        for (int s = 0; s < input.B; s++)
            for (int t = 0; t < input.Lengths[s]; t++)
            {
                ids[s * input.T + t] = t == 0 ? 1 : random.Next(3, 128000); // [CLS] first, as a tokenizer would
                mask[s * input.T + t] = 1;
            }
        return (input.B, input.T, ids, mask);
    }

    static string Describe(IReadOnlyDictionary<GgmlType, int> byType) =>
        string.Join(", ", byType.OrderBy(p => p.Key).Select(p => $"{p.Value} {p.Key}"));
}
