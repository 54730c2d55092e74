using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using DebertaGgml.Convert;
using DebertaGgml.Gguf;
using DebertaGgml.Native;
using DebertaGgml.Tests.Convert;
using DebertaGgml.Tests.Graph;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Robustness;

/// <summary>
/// Convolution settings the graph cannot run (grouped, even kernel) are refused by the converter and by the
/// loader with a one-line reason. A GGUF carrying one, as a converter without the check wrote it, is loaded
/// and, if that succeeded, evaluated: ggml's abort callback (the last resort) must never fire.
/// </summary>
public unsafe class UnsupportedConvolutionTests : IDisposable
{
    const string Fixture = "v2conv-Model";
    const int Hidden = 32, Kernel = 3;  // the fixture's hidden_size and conv_kernel_size

    readonly ConvertFixtures.TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<int, int, string> Rejected => new()
    {
        { 2, Kernel, "conv_groups=2" },
        { 4, Kernel, "conv_groups=4" },
        { Hidden, Kernel, $"conv_groups={Hidden}" },  // depthwise
        { 1, 2, "conv_kernel_size=2 is even" },
        { 1, 4, "conv_kernel_size=4 is even" },
    };

    static long Aborts()
    {
        NativeLibraryLoader.EnsureLoaded();
        var library = NativeLibrary.Load(NativeLibraryLoader.Info.LibraryPath);
        return ((delegate* unmanaged<long>)NativeLibrary.GetExport(library, "deberta_testing_ggml_aborts"))();
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Converter_refuses_the_config(int groups, int kernel, string reason)
    {
        string folder = ConvertFixtures.CopyModel(Fixture, _temp);
        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["conv_groups"] = groups;
        config["conv_kernel_size"] = kernel;
        File.WriteAllText(configPath, config.ToJsonString());

        string output = _temp.File("out.gguf");
        var e = Assert.Throws<ConvertException>(() => HfToGgufConverter.Convert(folder, output));
        Assert.Contains(reason, e.Problem);
        Assert.StartsWith("unsupported config", e.Problem);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Loader_refuses_the_file_without_reaching_the_abort_callback(int groups, int kernel, string reason)
    {
        string path = WriteGguf(groups, kernel);
        long before = Aborts();
        var e = Record.Exception(() => LoadAndEvaluate(path));
        Assert.Equal(before, Aborts());
        var unsupported = Assert.IsType<NotSupportedException>(e);
        Assert.Contains(reason, unsupported.Message);
        Assert.DoesNotContain('\n', unsupported.Message);
    }

    [Fact]
    public void The_same_rewrite_with_the_fixture_settings_loads_and_runs()
    {
        string path = WriteGguf(1, Kernel);
        long before = Aborts();
        var result = LoadAndEvaluate(path);
        Assert.Equal(before, Aborts());
        Assert.All(result.LastHidden, v => Assert.True(float.IsFinite(v)));
    }

    static EvalResult LoadAndEvaluate(string path)
    {
        using var model = new NativeModel(path, maxBatch: 1, maxTokens: 16);
        int[] ids = [1, 17, 42, 2], mask = [1, 1, 1, 1];
        return model.Eval(1, 1, ids.Length, ids, mask, null);
    }

    // The converted fixture with conv_groups/conv_kernel_size set and enc_conv.weight cut to the shape
    // [kernel, hidden / groups, hidden] that HF's Conv1d holds for those settings.
    string WriteGguf(int groups, int kernel)
    {
        using var source = GgufFile.Open(ConvertedModels.Get(Fixture));
        var writer = new GgufWriter();
        foreach (var (key, value) in source.Metadata)
        {
            writer.Set(key, key switch
            {
                GgufKeys.ConvGroups => GgufValue.Of((uint)groups),
                GgufKeys.ConvKernelSize => GgufValue.Of((uint)kernel),
                _ => value,
            });
        }
        long[] convShape = [kernel, Hidden / groups, Hidden];
        foreach (var t in source.Tensors)
            writer.AddTensor(t.Name, t.Name == "enc_conv.weight" ? convShape : t.Dimensions, t.Type);
        string path = _temp.File($"conv-g{groups}-k{kernel}.gguf");
        using (var output = File.Create(path))
        {
            writer.WriteHeader(output);
            foreach (var t in source.Tensors)
            {
                byte[] data = source.ReadTensorData(t);
                if (t.Name == "enc_conv.weight")
                    data = Resize(data, sizeof(float) * kernel * (Hidden / groups) * Hidden);
                writer.WriteTensorData(data);
            }
            writer.Complete();
        }
        return path;
    }

    static byte[] Resize(byte[] data, int length)
    {
        var resized = new byte[length];
        for (int i = 0; i < length; i++) resized[i] = data[i % data.Length];
        return resized;
    }
}
