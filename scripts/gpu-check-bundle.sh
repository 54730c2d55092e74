#!/usr/bin/env bash
# Prepares, on a machine with dotnet, what scripts/gpu-check.sh needs on the GPU machine beside the checkout:
#   gpu-bundle/cli/          the deberta CLI (NativeAOT publish) with libdeberta and ggml, CPU variants pruned
#   gpu-bundle/ggml-src.tar.gz  ggml's source at the commit of our prebuilt ggml (to build its CUDA backend there)
#   gpu-bundle/inputs/       the first batch of every public fixture's references, as `deberta eval` input
#   gpu-bundle/base/         config, tokenizer and tensor list of the synthetic deberta-v3-base checkpoint
# The fixtures are converted there (they are tracked, so they travel anyway) and the base weights are generated
# there (scripts/gpu-check/synthetic_weights.c): carried GGUFs would not fit the 64 MiB a device run takes along.
# Usage: scripts/gpu-check-bundle.sh --ggml-src ggml-5b4ebc5.tar.gz [--cli DIR] [--out gpu-bundle]
#   --ggml-src  a `git archive --format=tar.gz` of ggml at commit 5b4ebc5 (docs/gpu.md says how to make it)
#   --cli       an already published CLI folder (default: dotnet publish managed/DebertaGgml.Cli -p:PublishAot=true)
set -euo pipefail
cd "$(dirname "$0")/.."

out=gpu-bundle cli="" ggml_src=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --cli) cli=$2; shift 2 ;;
        --ggml-src) ggml_src=$2; shift 2 ;;
        *) echo "gpu-check-bundle: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$ggml_src" ] && [ -f "$ggml_src" ] || { echo "gpu-check-bundle: --ggml-src <ggml source tar.gz> is required" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/inputs" "$out/base"

if [ -z "$cli" ]; then
    cli=artifacts/gpu-cli
    dotnet publish managed/DebertaGgml.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$cli"
fi
cp -r "$cli" "$out/cli"
# CPU variants an H200 host can use (Sapphire Rapids, Emerald Rapids, Zen 4/5) plus the baseline; the rest stay here.
runtime=$(dirname "$(find "$out/cli" -name libggml-base.so | head -n 1)")
for f in "$runtime"/libggml-cpu-*.so; do
    case "$(basename "$f")" in
        libggml-cpu-x64.so | libggml-cpu-haswell.so | libggml-cpu-icelake.so | libggml-cpu-sapphirerapids.so | libggml-cpu-zen4.so) ;;
        *) rm "$f" ;;
    esac
done
cp "$ggml_src" "$out/ggml-src.tar.gz"

python3 - "$out" <<'EOF'
import json, os, shutil, sys
out = sys.argv[1]
for ref in sorted(os.listdir("tests/fixtures/refs")):
    fixture = ref[:-5]
    if not os.path.isdir(os.path.join("tests/fixtures/models", fixture)):
        continue
    batch = json.load(open(os.path.join("tests/fixtures/refs", ref)))["batches"][0]
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "token_type_ids") if batch.get(k) is not None}
    json.dump(inputs, open(os.path.join(out, "inputs", fixture + ".json"), "w"))

# The synthetic base checkpoint as bench/DebertaGgml.Bench/SyntheticCheckpoint.cs writes it, less its weights.
manifest = json.load(open("bench/peer/deberta-v3-base/manifest.json"))
config = dict(manifest["hf_config"])
labels = ["entailment", "neutral", "contradiction"]
config.update({"architectures": ["DebertaV2ForSequenceClassification"], "model_type": "deberta-v2", "pad_token_id": 0,
               "pooler_hidden_size": config["hidden_size"], "pooler_dropout": 0, "torch_dtype": "float32",
               "id2label": {str(i): l for i, l in enumerate(labels)}, "label2id": {l: i for i, l in enumerate(labels)}})
json.dump(config, open(os.path.join(out, "base", "config.json"), "w"), indent=2)
seen = set()
with open(os.path.join(out, "base", "tensors.txt"), "w") as f:
    for t in manifest["initializers"]:
        shape = t["shape"][::-1] if t["transform"] == "transpose" else t["shape"]
        if t["hf_name"] in seen:
            continue
        seen.add(t["hf_name"])
        f.write(" ".join([t["hf_name"]] + [str(d) for d in shape]) + "\n")
tokenizer = "tests/fixtures/models/v3-SequenceClassification"
for name in ("spm.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"):
    shutil.copy(os.path.join(tokenizer, name), os.path.join(out, "base", name))
EOF

tracked=$(git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f1)
bundle=$(du -sb "$out" | cut -f1)
mib() { echo $(( ($1 + 1048575) / 1048576 )); }
echo "gpu-bundle: $(mib "$bundle") MiB in $out + $(mib "$tracked") MiB of tracked files (a device run takes at most 64 MiB)"
[ $((bundle + tracked)) -le $((64 * 1048576)) ] || { echo "gpu-check-bundle: over 64 MiB: prune $out/cli" >&2; exit 1; }
