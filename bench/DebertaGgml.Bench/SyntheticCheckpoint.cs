using System.Text.Json;
using System.Text.Json.Nodes;
using DebertaGgml.Convert.Checkpoints;

namespace DebertaGgml.Bench;

/// <summary>
/// The one synthetic-checkpoint generator (bench and tests): HF-format folders with seeded random F32 weights at
/// trained-model scales, so activations stay in a realistic range: LayerNorm gains ~U(0.6, 1.4), biases 0.05*N(0,1),
/// embeddings 0.5*N(0,1) and other matrices N(0, 1/in_features), so each projection roughly preserves variance.
/// </summary>
public static class SyntheticCheckpoint
{
    public const string WeightsFile = "model.safetensors";
    const string StampFile = "synthetic.json";
    static readonly string[] Labels = ["entailment", "neutral", "contradiction"];
    // The fixture tokenizer (2000 pieces + [MASK] = 2000); the checkpoint's vocabulary has more rows, as deberta-v3 does.
    static readonly string[] TokenizerFiles = ["spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>
    /// A DebertaV2ForSequenceClassification folder of the peer graph's dimensions (config.json from the manifest's
    /// hf_config, model.safetensors and the fixture tokenizer); kept when an identical one (same config and seed) is there.
    /// </summary>
    public static string Ensure(PeerManifest manifest, string folder, int seed, string tokenizerFolder)
    {
        var stamp = new JsonObject { ["seed"] = seed, ["hf_config"] = manifest.HfConfig.DeepClone(), ["version"] = 1 };
        string stampPath = Path.Combine(folder, StampFile);
        if (File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp.ToJsonString()) return folder;

        Directory.CreateDirectory(folder);
        File.Delete(stampPath);
        foreach (string file in TokenizerFiles)
            File.Copy(Path.Combine(tokenizerFolder, file), Path.Combine(folder, file), overwrite: true);
        Write(folder, Config(manifest), manifest.HfTensors().ToList(), seed);
        File.WriteAllText(stampPath, stamp.ToJsonString());
        return folder;
    }

    /// <summary>
    /// Writes <paramref name="config"/> (indented) as config.json and the tensors as model.safetensors in the given
    /// order; each tensor's values depend only on the seed and its name.
    /// </summary>
    public static void Write(string folder, JsonObject config, IReadOnlyList<(string Name, long[] Shape)> tensors, int seed)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var shapes = tensors.ToDictionary(t => t.Name, t => t.Shape);
        var generators = new Dictionary<string, Func<double>>();
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFile), tensors, (name, start, values) =>
        {
            if (start == 0) generators[name] = Distribution(name, shapes[name], seed);
            var next = generators[name];
            for (int i = 0; i < values.Length; i++) values[i] = (float)next();
        });
    }

    static JsonObject Config(PeerManifest manifest)
    {
        var config = manifest.HfConfig.DeepClone().AsObject();
        config["architectures"] = new JsonArray("DebertaV2ForSequenceClassification");
        config["model_type"] = "deberta-v2";
        config["pad_token_id"] = 0;
        config["pooler_hidden_size"] = manifest.HiddenSize;
        config["pooler_dropout"] = 0;
        config["id2label"] = new JsonObject(Labels.Select((l, i) => KeyValuePair.Create(i.ToString(), (JsonNode?)l)));
        config["label2id"] = new JsonObject(Labels.Select((l, i) => KeyValuePair.Create(l, (JsonNode?)i)));
        config["torch_dtype"] = "float32";
        return config;
    }

    /// <summary>A seeded generator per tensor, so every tensor's values depend only on the seed and its name.</summary>
    static Func<double> Distribution(string name, long[] shape, int seed)
    {
        var rng = new SplitMix64(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ Fnv1a(name)));
        if (name.EndsWith("LayerNorm.weight")) return () => 0.6 + 0.8 * rng.NextDouble();
        if (name.EndsWith(".bias")) return () => 0.05 * rng.NextGaussian();
        if (name.Contains("embeddings")) return () => 0.5 * rng.NextGaussian();
        double std = 1.0 / Math.Sqrt(shape[^1]);
        return () => std * rng.NextGaussian();
    }

    static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    /// <summary>Small, fast, reproducible PRNG (SplitMix64) with a Box-Muller normal.</summary>
    sealed class SplitMix64(ulong state)
    {
        double? _spare;

        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public double NextGaussian()
        {
            if (_spare is double s) { _spare = null; return s; }
            double u = 1.0 - NextDouble(), v = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u));
            _spare = r * Math.Sin(2 * Math.PI * v);
            return r * Math.Cos(2 * Math.PI * v);
        }

        ulong Next()
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
