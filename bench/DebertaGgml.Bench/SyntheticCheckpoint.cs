using System.Text.Json;
using System.Text.Json.Nodes;

namespace DebertaGgml.Bench;

/// <summary>
/// Writes an HF-format DebertaV2ForSequenceClassification folder with seeded random weights of the peer graph's
/// dimensions: config.json (the manifest's hf_config), model.safetensors (F32) and the fixture tokenizer.
/// Scales keep activations in a realistic range: LayerNorm gains ~U(0.6, 1.4), biases 0.05*N(0,1), embeddings
/// 0.5*N(0,1) and linear weights N(0, 1/in_features) so each projection roughly preserves variance.
/// </summary>
public static class SyntheticCheckpoint
{
    public const string WeightsFile = "model.safetensors";
    const string StampFile = "synthetic.json";
    static readonly string[] Labels = ["entailment", "neutral", "contradiction"];
    // The fixture tokenizer (2000 pieces + [MASK] = 2000); the checkpoint's vocabulary has more rows, as deberta-v3 does.
    static readonly string[] TokenizerFiles = ["spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>Creates the folder unless an identical one (same manifest config and seed) is already there.</summary>
    public static string Ensure(PeerManifest manifest, string folder, int seed, string tokenizerFolder)
    {
        var stamp = new JsonObject { ["seed"] = seed, ["hf_config"] = manifest.HfConfig.DeepClone(), ["version"] = 1 };
        string stampPath = Path.Combine(folder, StampFile);
        if (File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp.ToJsonString()) return folder;

        Directory.CreateDirectory(folder);
        File.Delete(stampPath);
        foreach (string file in TokenizerFiles)
            File.Copy(Path.Combine(tokenizerFolder, file), Path.Combine(folder, file), overwrite: true);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config(manifest).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var tensors = manifest.HfTensors().ToList();
        var generators = new Dictionary<string, Func<double>>();
        Safetensors.Write(Path.Combine(folder, WeightsFile), tensors, (name, start, values) =>
        {
            if (start == 0) generators[name] = Distribution(name, tensors.First(t => t.HfName == name).Shape, seed);
            var next = generators[name];
            for (int i = 0; i < values.Length; i++) values[i] = (float)next();
        });
        File.WriteAllText(stampPath, stamp.ToJsonString());
        return folder;
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
