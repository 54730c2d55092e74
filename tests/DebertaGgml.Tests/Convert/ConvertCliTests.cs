using System.Text.Json;
using DebertaGgml.Gguf;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Convert;

public class ConvertCliTests
{
    [Fact]
    public void Convert_inspect_and_quantize_from_the_command_line()
    {
        using var temp = new ConvertFixtures.TempDir();
        string f32 = temp.File("f32.gguf"), q4 = temp.File("q4.gguf");
        var convert = CliProcess.Run(["convert", ConvertFixtures.Model("v3-TokenClassification"), "-o", f32, "--type", "f32"]);
        Assert.True(convert.ExitCode == 0, convert.StdErr);
        Assert.Contains("tensors: 40 (40 f32)", convert.StdOut);

        var quantize = CliProcess.Run(["quantize", f32, q4, "q4_0", "--head-type", "q8_0"]);
        Assert.True(quantize.ExitCode == 0, quantize.StdErr);
        Assert.Contains("tensors: 40 (25 f32, 14 q4_0, 1 q8_0)", quantize.StdOut);

        var inspect = CliProcess.Run(["inspect", q4, "--json"]);
        Assert.True(inspect.ExitCode == 0, inspect.StdErr);
        using var json = JsonDocument.Parse(inspect.StdOut);
        var root = json.RootElement;
        Assert.Equal(GgufKeys.FileTypeOf(GgmlType.Q4_0), root.GetProperty("metadata").GetProperty("general.file_type").GetUInt32());
        Assert.Equal(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"],
            root.GetProperty("metadata").GetProperty("deberta-v2.classifier.output_labels").EnumerateArray().Select(e => e.GetString()));
        var tensors = root.GetProperty("tensors").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(40, tensors.Count);
        Assert.Equal("q4_0", tensors["token_embd.weight"].GetProperty("type").GetString());
        Assert.Equal([32, 2008], tensors["token_embd.weight"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(2008 * 18, tensors["token_embd.weight"].GetProperty("bytes").GetInt64());
        Assert.Equal("q8_0", tensors["cls.output.weight"].GetProperty("type").GetString());
        Assert.Equal("f32", tensors["blk.1.ffn_up.bias"].GetProperty("type").GetString());

        var text = CliProcess.Run(["inspect", q4]);
        Assert.Contains("deberta-v2.head", text.StdOut);
        Assert.Matches(@"token_embd\.weight\s+q4_0\s+\[32, 2008\]\s+36,144 B", text.StdOut);
    }

    [Fact]
    public void Errors_are_one_clear_line_and_a_non_zero_exit_code()
    {
        using var temp = new ConvertFixtures.TempDir();
        var missing = CliProcess.Run(["convert", temp.File("none"), "-o", temp.File("x.gguf")]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("model folder does not exist", missing.StdErr);

        var badType = CliProcess.Run(["convert", ConvertFixtures.Model("v3-Model"), "-o", temp.File("x.gguf"), "--type", "q3_k"]);
        Assert.NotEqual(0, badType.ExitCode);
        Assert.Contains("unknown type 'q3_k'", badType.StdErr);
        Assert.False(File.Exists(temp.File("x.gguf")));
    }
}
