using System.Buffers.Binary;
using System.Text.Json.Nodes;
using DebertaGgml.Bench;
using DebertaGgml.Convert.Checkpoints;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Bench;

public sealed class OnnxWeightFillerTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("deberta-bench-test-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Value i of tensor `name`: distinct per tensor and position, so a swapped, shifted or untransposed file shows.
    static float Value(string name, long i) => name.Length * 1000 + i;

    static PeerManifest Manifest(params PeerInitializer[] initializers) =>
        new(".", "model.onnx", new JsonObject { ["hidden_size"] = 4 }, initializers);

    static PeerInitializer Init(string name, long[] shape, string transform, string? hfName = null) =>
        new(name, name + ".bin", shape, "float32", shape.Aggregate(1L, (a, b) => a * b) * 4, hfName ?? name, transform);

    string WriteCheckpoint(params (string Name, long[] Shape)[] tensors)
    {
        string path = Path.Combine(_dir, "model.safetensors");
        SafetensorsWriter.Write(path, tensors, (name, start, span) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = Value(name, start + i);
        });
        return path;
    }

    static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
    }

    [Fact]
    public void Writes_every_manifest_file_with_the_hf_bytes_identity_or_transposed()
    {
        string checkpoint = WriteCheckpoint(("enc.w", [2, 3]), ("enc.bias", [3]), ("classifier.w", [3, 2]));
        var manifest = Manifest(Init("enc.w", [2, 3], "identity"), Init("enc.bias", [3], "identity"), Init("cls.wT", [2, 3], "transpose", "classifier.w"));
        string output = Directory.CreateDirectory(Path.Combine(_dir, "onnx")).FullName;

        OnnxWeightFiller.Fill(manifest, checkpoint, output);

        Assert.Equal(new float[] { 5000, 5001, 5002, 5003, 5004, 5005 }, ReadFloats(Path.Combine(output, "enc.w.bin")));
        Assert.Equal(new float[] { 8000, 8001, 8002 }, ReadFloats(Path.Combine(output, "enc.bias.bin")));
        // classifier.w is [[0,1],[2,3],[4,5]] (+12000); its transpose in C order is 0,2,4,1,3,5.
        Assert.Equal(new float[] { 12000, 12002, 12004, 12001, 12003, 12005 }, ReadFloats(Path.Combine(output, "cls.wT.bin")));
        foreach (var init in manifest.Initializers)
            Assert.Equal(init.ByteLength, new FileInfo(Path.Combine(output, init.File)).Length);
        Assert.Equal(3, Directory.GetFiles(output).Length); // no temporary files left behind
    }

    [Fact]
    public void Shape_mismatch_names_the_tensor_and_both_shapes()
    {
        string checkpoint = WriteCheckpoint(("classifier.weight", [2, 4]));
        var manifest = Manifest(Init("classifier.weight", [3, 4], "identity"));

        var e = Assert.Throws<InvalidDataException>(() => OnnxWeightFiller.Fill(manifest, checkpoint, _dir));
        Assert.Contains("'classifier.weight' has shape [2, 4]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
    }

    [Fact]
    public void Missing_tensor_names_the_tensor()
    {
        string checkpoint = WriteCheckpoint(("a", [2]));
        var e = Assert.Throws<InvalidDataException>(() => OnnxWeightFiller.Fill(Manifest(Init("b", [2], "identity")), checkpoint, _dir));
        Assert.Contains("missing tensor 'b'", e.Message);
    }

    [Fact]
    public void Peer_manifests_in_the_repo_describe_float32_files_of_the_hf_checkpoint()
    {
        foreach (string model in new[] { "xsmall", "base" })
        {
            var manifest = PeerManifest.Load(Repo.Path("bench", "peer", $"deberta-v3-{model}"));
            Assert.Equal(202, manifest.Initializers.Count);
            Assert.True(File.Exists(manifest.GraphPath));
            Assert.Equal(3, manifest.NumLabels);
            Assert.Contains(manifest.Initializers, i => i.Name == "deberta.embeddings.word_embeddings.weight" && i.Shape.SequenceEqual(new long[] { 128100, manifest.HiddenSize }));
        }
    }
}
