using System.Runtime.InteropServices;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// The metadata a loaded model keeps (deberta_model_meta_*, issue 15 item 2): the same values the C# GGUF reader reads
/// from the file, the statuses of a missing key or a wrong type, and a <see cref="DebertaModel.Load"/> that builds its
/// tokenizer and names from them and so opens the model file once.
/// </summary>
public sealed unsafe class ModelMetadataTests
{
    static string Demo => Repo.Path("models", "langid-q8_0.gguf");

    /// <summary>The demo (spm tokenizer), a classifier with labels, and a tokenizer.json conversion.</summary>
    public static TheoryData<string> Models() => new() { "demo", "v3-SequenceClassification", "v3-TokenClassification-tokjson" };

    static string PathOf(string model) => model == "demo" ? Demo : ConvertedModels.Get(model);

    static ModelHandle LoadHandle(string path) => ModelHandle.Load(path, NativeMethods.deberta_model_default_params());

    static string LastError() => Marshal.PtrToStringUTF8((nint)NativeMethods.deberta_last_error())!;

    static void Ok(deberta_status status) => Assert.True(status == deberta_status.DEBERTA_STATUS_OK, $"{status}: {LastError()}");

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_key_reads_as_the_CSharp_reader_reads_it_from_the_file(string model)
    {
        string path = PathOf(model);
        using var file = GgufFile.Open(path);
        using var handle = LoadHandle(path);
        Assert.NotEmpty(file.Metadata);
        foreach (var (key, value) in file.Metadata) AssertSameValue(handle, key, value);
    }

    static void AssertSameValue(ModelHandle model, string key, GgufValue value)
    {
        int type, elementType;
        nuint count;
        Ok(NativeMethods.deberta_model_meta_type(model, key, &type, &elementType, &count));
        Assert.Equal((int)value.Type, type);
        if (!value.IsArray)
        {
            Assert.Equal(-1, elementType);
            Assert.Equal(1u, (uint)count);
            AssertSameScalar(model, key, value);
            return;
        }
        var expected = (Array)value.Value;
        Assert.Equal((int)value.ElementType, elementType);
        Assert.Equal(expected.Length, (int)count);
        switch (value.ElementType)
        {
            case GgufValueType.String:
                var pointers = new nint[expected.Length];
                fixed (nint* p = pointers) Ok(NativeMethods.deberta_model_meta_strings(model, key, (byte**)p, count, &count));
                Assert.Equal((string[])expected, pointers.Select(p => Marshal.PtrToStringUTF8(p)!));
                break;
            case GgufValueType.Float32 or GgufValueType.Float64:
                var floats = new float[expected.Length];
                fixed (float* p = floats) Ok(NativeMethods.deberta_model_meta_floats(model, key, p, count, &count));
                Assert.Equal(expected.Cast<object>().Select(v => (float)System.Convert.ToDouble(v)), floats);
                break;
            default:
                var ints = new long[expected.Length];
                fixed (long* p = ints) Ok(NativeMethods.deberta_model_meta_ints(model, key, p, count, &count));
                Assert.Equal(expected.Cast<object>().Select(v => System.Convert.ToInt64(v)), ints);
                if (value.ElementType is GgufValueType.UInt8 or GgufValueType.Int8)
                {
                    var bytes = new byte[expected.Length];
                    fixed (byte* p = bytes) Ok(NativeMethods.deberta_model_meta_bytes(model, key, p, count, &count));
                    Assert.Equal(ints.Select(v => unchecked((byte)v)), bytes);
                }
                break;
        }
    }

    static void AssertSameScalar(ModelHandle model, string key, GgufValue value)
    {
        switch (value.Type)
        {
            case GgufValueType.String:
                byte* text;
                Ok(NativeMethods.deberta_model_meta_string(model, key, &text));
                Assert.Equal((string)value.Value, Marshal.PtrToStringUTF8((nint)text));
                break;
            case GgufValueType.Bool:
                int flag;
                Ok(NativeMethods.deberta_model_meta_bool(model, key, &flag));
                Assert.Equal((bool)value.Value ? 1 : 0, flag);
                break;
            case GgufValueType.Float32 or GgufValueType.Float64:
                double real;
                Ok(NativeMethods.deberta_model_meta_float(model, key, &real));
                Assert.Equal(System.Convert.ToDouble(value.Value), real);
                break;
            default:
                long integer;
                Ok(NativeMethods.deberta_model_meta_int(model, key, &integer));
                Assert.Equal(System.Convert.ToInt64(value.Value), integer);
                break;
        }
    }

    [Fact]
    public void A_missing_key_a_wrong_type_and_a_short_buffer_are_statuses_that_name_the_key()
    {
        using var model = LoadHandle(Demo);
        long integer;
        Assert.Equal(deberta_status.DEBERTA_STATUS_NOT_FOUND, NativeMethods.deberta_model_meta_int(model, "no.such.key", &integer));
        Assert.Equal("metadata key 'no.such.key' is missing", LastError());

        Assert.Equal(deberta_status.DEBERTA_STATUS_TYPE_MISMATCH, NativeMethods.deberta_model_meta_int(model, "general.architecture", &integer));
        Assert.Equal("metadata key 'general.architecture' has type string, expected an integer", LastError());
        byte* text;
        Assert.Equal(deberta_status.DEBERTA_STATUS_TYPE_MISMATCH, NativeMethods.deberta_model_meta_string(model, GgufTokenizer.Tokens, &text));
        Assert.Equal($"metadata key '{GgufTokenizer.Tokens}' has type array of string, expected string", LastError());
        nuint count = 0;
        Assert.Equal(deberta_status.DEBERTA_STATUS_TYPE_MISMATCH, NativeMethods.deberta_model_meta_floats(model, GgufTokenizer.Tokens, null, 0, &count));
        Assert.Equal(deberta_status.DEBERTA_STATUS_TYPE_MISMATCH, NativeMethods.deberta_model_meta_bytes(model, GgufTokenizer.TokenType, null, 0, &count));

        // A length query, then a buffer one element short: refused, never cut short.
        Ok(NativeMethods.deberta_model_meta_strings(model, GgufTokenizer.Tokens, null, 0, &count));
        Assert.True(count > 1);
        var pointers = new nint[(int)count - 1];
        nuint reported = 0;
        fixed (nint* p = pointers)
            Assert.Equal(deberta_status.DEBERTA_STATUS_INVALID_ARGUMENT,
                NativeMethods.deberta_model_meta_strings(model, GgufTokenizer.Tokens, (byte**)p, (nuint)pointers.Length, &reported));
        Assert.Equal(count, reported);
        Assert.All(pointers, p => Assert.Equal(0, p));

        Assert.Equal(deberta_status.DEBERTA_STATUS_INVALID_ARGUMENT, NativeMethods.deberta_model_meta_int(model, null!, &integer));
        Assert.Equal(deberta_status.DEBERTA_STATUS_INVALID_ARGUMENT, NativeMethods.deberta_model_meta_int(model, "no.such.key", null));
        int type;
        Assert.Equal(deberta_status.DEBERTA_STATUS_NOT_FOUND, NativeMethods.deberta_model_meta_type(model, "no.such.key", &type, null, null));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_tokenizer_read_from_the_loaded_model_is_the_one_read_from_the_file(string model)
    {
        string path = PathOf(model);
        using var file = GgufFile.Open(path);
        using var handle = LoadHandle(path);
        var metadata = new NativeModelMetadata(handle, path);
        Assert.Equivalent(GgufTokenizer.Read(file), GgufTokenizer.Read(metadata), strict: true);

        // The adapter's errors are the C# reader's: the file's path, the key, a missing key apart from a wrong type.
        var missing = Assert.Throws<KeyNotFoundException>(() => metadata.GetString("no.such.key"));
        Assert.Equal($"{path}: metadata key 'no.such.key' is missing", missing.Message);
        var wrongType = Assert.Throws<InvalidDataException>(() => metadata.GetBool(GgufTokenizer.Model));
        Assert.StartsWith($"{path}: metadata key '{GgufTokenizer.Model}' has type string", wrongType.Message);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Load_takes_the_names_from_the_model_as_the_file_holds_them(string model)
    {
        string path = PathOf(model);
        using var file = GgufFile.Open(path);
        using var loaded = DebertaModel.Load(path);
        string Text(string key) => file.TryGet(key, out var v) ? (string)v.Value : "";
        Assert.Equal(Text(GgufKeys.Name), loaded.Info.Name);
        Assert.Equal(Text(GgufKeys.HfArchitecture), loaded.Info.Architecture);
        Assert.Equal(Text(GgufKeys.ProblemType), loaded.Info.ProblemType);
        Assert.Equal(file.GetArray<string>(GgufTokenizer.Tokens).Length, loaded.Info.Tokenizer.VocabularySize);
    }

    [StraceFact]
    public void Load_opens_the_model_file_once()
    {
        string trace = Path.GetTempFileName();
        try
        {
            var run = ChildProcess.Run("strace", ["-f", "-e", "trace=openat,open", "-o", trace, "dotnet", Repo.CliDll, "classify", "-m", Demo, "Wie spät ist es?"], 120);
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.StartsWith("de\t", run.StdOut);
            var opens = File.ReadLines(trace).Where(l => l.Contains(Path.GetFileName(Demo), StringComparison.Ordinal)).ToList();
            Assert.True(opens.Count == 1, string.Join('\n', opens));
        }
        finally
        {
            File.Delete(trace);
        }
    }
}

/// <summary>A fact that needs a working strace (installed, and allowed to trace its child); skipped otherwise.</summary>
public sealed class StraceFactAttribute : FactAttribute
{
    public StraceFactAttribute()
    {
        try
        {
            if (ChildProcess.Run("strace", ["-o", "/dev/null", "true"], 30).ExitCode != 0) Skip = "strace cannot trace here";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Skip = "strace is not installed";
        }
    }
}
