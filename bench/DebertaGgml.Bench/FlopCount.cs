namespace DebertaGgml.Bench;

/// <summary>
/// Multiply-add work of one forward pass as HF computes it (2 FLOP per multiply-add): the Q/K/V/output and FFN
/// projections, QK^T and attention x V, the c2p and p2c score products against the 2*position_buckets relative
/// positions, pooler and classifier. The relative-embedding projections are excluded: they do not depend on the
/// input, so both engines compute them once at load.
/// </summary>
public static class FlopCount
{
    public static double Forward(PeerManifest m, int batch, int tokens)
    {
        double t = tokens, h = m.HiddenSize, ffn = m.IntermediateSize;
        int buckets = (int?)m.HfConfig["position_buckets"] ?? -1;
        double positions = 2.0 * (buckets > 0 ? buckets : m.HfConfig["max_position_embeddings"]!.GetValue<int>());
        double macsPerLayer = 4 * t * h * h + 2 * t * h * ffn   // Q, K, V, output; FFN up and down
                            + 2 * t * t * h                      // QK^T and attention x V over all heads
                            + 2 * t * positions * h;             // c2p and p2c score products
        double headMacs = h * h + h * m.NumLabels;               // pooler and classifier on the [CLS] row
        return 2 * batch * (m.Layers * macsPerLayer + headMacs);
    }
}
