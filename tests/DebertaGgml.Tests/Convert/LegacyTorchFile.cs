using System.Text;

namespace DebertaGgml.Tests.Convert;

/// <summary>
/// Writes a checkpoint in torch.save's legacy (non-zip) layout, opcode by opcode: magic, protocol and sys-info
/// pickles, the state dict pickle with ('storage', type, key, 'cpu', numel, None) persistent ids, the key list,
/// then each storage as int64 element count + float32 data. Written from the format description, for tests.
/// </summary>
internal static class LegacyTorchFile
{
    public static void Write(string path, Dictionary<string, (long[] Shape, float[] Values)> tensors,
        string? tieDecoderTo = null, (string Module, string Name)? extraGlobal = null)
    {
        using var file = new BinaryWriter(File.Create(path));
        var p = new PickleBytes();
        p.Proto().Long1([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]).Stop(); // 0x1950a86a20f9469cfc6c
        p.Proto().Int(1001).Stop();
        p.Proto().EmptyDict().Mark().Str("protocol_version").Int(1001).Str("little_endian").True()
            .Str("type_sizes").EmptyDict().Mark().Str("short").Int(2).Str("int").Int(4).Str("long").Int(4).SetItems().SetItems().Stop();

        var keys = tensors.Keys.Select((name, i) => (name, key: i.ToString())).ToList();
        p.Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        void Entry(string name, string key, long[] shape)
        {
            p.Str(name).Global("torch._utils", "_rebuild_tensor_v2").Mark()
                .Mark().Str("storage").Global("torch", "FloatStorage").Str(key).Str("cpu").Int(tensors.Values.ElementAt(int.Parse(key)).Values.Length).None().Tuple().BinPersId()
                .Int(0).Mark();
            foreach (long d in shape) p.Int(d);
            p.Tuple().Mark();
            long stride = 1;
            var strides = new long[shape.Length];
            for (int d = shape.Length - 1; d >= 0; d--) { strides[d] = stride; stride *= shape[d]; }
            foreach (long s in strides) p.Int(s);
            p.Tuple().False().Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
        }
        foreach (var (name, key) in keys) Entry(name, key, tensors[name].Shape);
        if (tieDecoderTo != null)
            Entry("cls.predictions.decoder.weight", keys.Single(k => k.name == tieDecoderTo).key, tensors[tieDecoderTo].Shape);
        if (extraGlobal is var (module, globalName)) p.Str("extra").Global(module, globalName).EmptyTuple().Reduce();
        p.SetItems().Stop();
        p.Proto().EmptyList().Mark();
        foreach (var (_, key) in keys) p.Str(key);
        p.Appends().Stop();
        file.Write(p.ToArray());
        foreach (var (name, _) in keys)
        {
            var values = tensors[name].Values;
            file.Write((long)values.Length);
            foreach (float v in values) file.Write(v);
        }
    }

    private sealed class PickleBytes
    {
        private readonly MemoryStream _s = new();
        private PickleBytes Op(char op) { _s.WriteByte((byte)op); return this; }
        private PickleBytes Raw(ReadOnlySpan<byte> bytes) { _s.Write(bytes); return this; }
        public PickleBytes Proto() => Op('\x80').Raw([2]);
        public PickleBytes Stop() => Op('.');
        public PickleBytes Mark() => Op('(');
        public PickleBytes None() => Op('N');
        public PickleBytes True() => Op('\x88');
        public PickleBytes False() => Op('\x89');
        public PickleBytes EmptyDict() => Op('}');
        public PickleBytes EmptyList() => Op(']');
        public PickleBytes EmptyTuple() => Op(')');
        public PickleBytes Tuple() => Op('t');
        public PickleBytes Reduce() => Op('R');
        public PickleBytes SetItems() => Op('u');
        public PickleBytes Appends() => Op('e');
        public PickleBytes BinPersId() => Op('Q');
        public PickleBytes Int(long v) => Op('J').Raw(BitConverter.GetBytes((int)v));
        public PickleBytes Long1(byte[] littleEndian) => Op('\x8a').Raw([(byte)littleEndian.Length]).Raw(littleEndian);
        public PickleBytes Str(string s) { var b = Encoding.UTF8.GetBytes(s); return Op('X').Raw(BitConverter.GetBytes(b.Length)).Raw(b); }
        public PickleBytes Global(string module, string name) => Op('c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        public byte[] ToArray() => _s.ToArray();
    }
}
