#!/usr/bin/env bash
# GPU check on a machine with an NVIDIA GPU, the CUDA 13 toolkit, CMake and a C compiler, but no dotnet and no
# package registries (docs/gpu.md). From the checkout's root, with the bundle of scripts/gpu-check-bundle.sh:
#   bash scripts/gpu-check.sh gpu-bundle
# 1. builds ggml's CUDA backend (sm_90) from the bundled ggml source, beside the CLI's prebuilt ggml;
# 2. converts every public fixture (tests/fixtures/models) to F32 and F16 and compares `deberta eval` on CUDA against
#    the CPU on the first batch of its references (max |difference| over last_hidden_state and logits);
# 3. generates the synthetic deberta-v3-base checkpoint, converts it, and times `deberta bench` at 1x128, 8x128,
#    32x128 and 1x512 on the GPU and on the CPU;
# 4. writes gpu-check.json, gpu-check.txt and gpu-check.log to $OUT if set, else artifacts/gpu/.
# Environment: GPU_CHECK_BACKEND (cuda; vulkan for a dry run elsewhere), GGML_BACKEND_LIB (a prebuilt backend library:
# skips step 1), DEBERTA_CLI (the command that runs the CLI, e.g. "dotnet path/deberta.dll"), GPU_CHECK_SHAPES,
# GPU_CHECK_TYPES, GPU_CHECK_ITERATIONS, GPU_CHECK_FIXTURES (a glob of fixture names; default all).
set -euo pipefail
bundle=$(cd "${1:?usage: scripts/gpu-check.sh <bundle folder>}" && pwd)
cd "$(dirname "$0")/.."
repo=$PWD
out=${OUT:-$repo/artifacts/gpu}
backend=${GPU_CHECK_BACKEND:-cuda}
shapes=${GPU_CHECK_SHAPES:-1x128 8x128 32x128 1x512}
types=${GPU_CHECK_TYPES:-f32 f16}
iterations=${GPU_CHECK_ITERATIONS:-10}
fixtures=${GPU_CHECK_FIXTURES:-*}
work=$(mktemp -d /tmp/gpu-check.XXXXXX)
mkdir -p "$out"
log=$out/gpu-check.log
: >"$log"
say() { echo "gpu-check: $*" | tee -a "$log" >&2; }
start=$SECONDS

read -r -a cli <<<"${DEBERTA_CLI:-$bundle/cli/deberta}"
runtime=$(dirname "$(find "$(dirname "${cli[-1]}")" -name libggml-base.so | head -n 1)")
[ -f "$runtime/libggml-base.so" ] || { say "no libggml-base.so beside ${cli[*]}"; exit 1; }
deberta() { "${cli[@]}" "$@" 2>>"$log"; }

# ---- 1. the backend library beside the CPU variants ----
build_s=0
if [ -n "${GGML_BACKEND_LIB:-}" ]; then
    cp "$GGML_BACKEND_LIB" "$runtime/"
else
    [ "$backend" = cuda ] || { say "set GGML_BACKEND_LIB for backend $backend"; exit 1; }
    mkdir -p "$work/ggml"
    tar -xzf "$bundle/ggml-src.tar.gz" -C "$work/ggml"
    src=$(dirname "$(grep -l 'project("ggml"' $(find "$work/ggml" -maxdepth 2 -name CMakeLists.txt) | head -n 1)")
    say "building libggml-cuda.so (sm_90) from $src"
    t0=$SECONDS
    cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON \
        -DGGML_CPU=OFF -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DGGML_CUDA_FA=OFF -DGGML_NATIVE=OFF \
        -DGGML_BUILD_TESTS=OFF -DGGML_BUILD_EXAMPLES=OFF >>"$log" 2>&1
    cmake --build "$work/build" --target ggml-cuda -j "$(nproc)" >>"$log" 2>&1
    cp "$(find "$work/build" -name libggml-cuda.so | head -n 1)" "$runtime/"
    build_s=$((SECONDS - t0))
fi
deberta info >"$work/info.txt"
cat "$work/info.txt" >>"$log"
gpu_name=$(sed -n 's/^device [0-9]*: \([A-Za-z]*0\) - \(.*\) (\([0-9]*\) MiB free.*/\1 \2/p' "$work/info.txt" | grep -v '^CPU' | head -n 1)
[ -n "$gpu_name" ] || { say "no GPU device after loading the $backend backend (see $log)"; exit 1; }
say "device: $gpu_name (ggml build ${build_s} s)"

# Max |a - b| and max |a| over all numbers of two eval outputs of the same shape.
diff_json() {
    paste <(tr -c '0-9eE.+-' '\n' <"$1" | grep -E '^[-+]?[0-9]') <(tr -c '0-9eE.+-' '\n' <"$2" | grep -E '^[-+]?[0-9]') |
        awk '{ d = $1 - $2; if (d < 0) d = -d; a = $1 < 0 ? -$1 : $1; if (d > md) md = d; if (a > ma) ma = a; n++ }
             END { printf "%.3g %.3g %d\n", md, ma, n }'
}

# ---- 2. parity on every public fixture ----
parity=() failures=0
for input in "$bundle"/inputs/$fixtures.json; do
    fixture=$(basename "$input" .json)
    for type in f32 f16; do
        relative=$([ "$type" = f32 ] && echo 2e-3 || echo 1e-2)
        model=$work/$fixture-$type.gguf
        deberta convert "$repo/tests/fixtures/models/$fixture" -o "$model" --type "$type" >/dev/null
        deberta eval "$model" --input "$input" --output "$work/cpu.json" --device cpu
        if ! deberta eval "$model" --input "$input" --output "$work/gpu.json" --device "$backend"; then
            parity+=("{\"fixture\":\"$fixture\",\"type\":\"$type\",\"error\":true}"); failures=$((failures + 1)); continue
        fi
        read -r max_diff max_ref values < <(diff_json "$work/cpu.json" "$work/gpu.json")
        # The tolerance scales with the outputs' magnitude (masked-LM logits reach 15, hidden states 5).
        tolerance=$(awk -v r="$relative" -v m="$max_ref" 'BEGIN { printf "%.3g", r * (m > 1 ? m : 1) }')
        pass=$(awk -v d="$max_diff" -v t="$tolerance" 'BEGIN { print (d <= t) ? "true" : "false" }')
        [ "$pass" = true ] || failures=$((failures + 1))
        parity+=("{\"fixture\":\"$fixture\",\"type\":\"$type\",\"values\":$values,\"max_abs_diff\":$max_diff,\"max_abs_cpu\":$max_ref,\"tolerance\":$tolerance,\"pass\":$pass}")
        say "parity $fixture $type: max |gpu - cpu| $max_diff (values up to $max_ref) $([ "$pass" = true ] && echo ok || echo FAILED)"
    done
done

# ---- 3. the synthetic base model, timed on both devices ----
mkdir -p "$work/base"
cp "$bundle"/base/* "$work/base/"
cc -O2 -o "$work/synthetic_weights" "$repo/scripts/gpu-check/synthetic_weights.c" -lm
"$work/synthetic_weights" "$work/base/tensors.txt" "$work/base/model.safetensors" 2>>"$log"
median() { sed -n 's/.*"median_\{0,1\}[mM]s":\([0-9.eE+-]*\).*/\1/p'; }
timing=()
for type in $types; do
    model=$work/base-$type.gguf
    deberta convert "$work/base" -o "$model" --type "$type" >/dev/null
    for shape in $shapes; do
        b=${shape%x*} t=${shape#*x}
        gpu_ms=$(deberta bench "$model" --batch "$b" --seq "$t" --iterations "$iterations" --warmup 2 --device "$backend" --json | median)
        cpu_ms=$(deberta bench "$model" --batch "$b" --seq "$t" --iterations "$((iterations / 2 > 2 ? iterations / 2 : 2))" --warmup 1 --device cpu --json | median)
        speedup=$(awk -v c="$cpu_ms" -v g="$gpu_ms" 'BEGIN { printf "%.1f", c / g }')
        timing+=("{\"model\":\"base-$type\",\"shape\":\"$shape\",\"gpu_median_ms\":$gpu_ms,\"cpu_median_ms\":$cpu_ms,\"speedup\":$speedup}")
        say "bench base-$type $shape: $backend $gpu_ms ms, cpu $cpu_ms ms (${speedup}x)"
    done
done
rm -rf "$work/base"

# ---- 4. report ----
elapsed=$((SECONDS - start))
join() { local IFS=,; echo "$*"; }
cat >"$out/gpu-check.json" <<EOF
{"backend":"$backend","device":"$gpu_name","cpu":"$(sed -n 's/^cpu variant: //p' "$work/info.txt")","ggml_build_s":$build_s,"elapsed_s":$elapsed,
 "parity_failures":$failures,"parity":[$(join "${parity[@]}")],
 "timing":[$(join "${timing[@]}")]}
EOF
{
    echo "gpu-check ($backend) on $gpu_name: $elapsed s (ggml build $build_s s)"
    echo "parity: ${#parity[@]} fixture/type pairs, $failures failed (max |gpu - cpu| within 2e-3 (F32) or 1e-2 (F16) times max(1, max |cpu|))"
    grep -h '^gpu-check: bench' "$log" | sed 's/^gpu-check: //'
} >"$out/gpu-check.txt"
cat "$out/gpu-check.txt"
rm -rf "$work"
[ "$failures" -eq 0 ]
