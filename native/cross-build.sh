#!/usr/bin/env bash
# Cross-builds libdeberta for linux-arm64 (Debian's g++-aarch64-linux-gnu) and win-x64 (Debian's mingw-w64)
# against the ggml of native/ggml-runtime, into artifacts/native/<rid>/, where the .NET build picks it up
# (bindings/DebertaGgml.Native). Usage: native/cross-build.sh [--tests] linux-arm64|win-x64|all
#   --tests  also builds the C API checks and the parity check (artifacts/native/build-<rid>/native/tests/).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

tests=OFF
if [ "${1:-}" = "--tests" ]; then tests=ON; shift; fi
case "${1:-}" in
    linux-arm64|win-x64) rids=("$1") ;;
    all) rids=(linux-arm64 win-x64) ;;
    *) echo "usage: $0 [--tests] linux-arm64|win-x64|all" >&2; exit 2 ;;
esac

install_missing() {  # apt packages, only those whose command is absent
    local needed=()
    while [ $# -gt 0 ]; do command -v "$1" >/dev/null || needed+=("$2"); shift 2; done
    [ ${#needed[@]} -eq 0 ] && return 0
    echo "installing: ${needed[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
}

install_missing cmake cmake npm npm
[ -f "$root/native/ggml-runtime/node_modules/.package-lock.json" ] ||
    (cd "$root/native/ggml-runtime" && npm ci --force --ignore-scripts --no-audit --no-fund --loglevel=error)

for rid in "${rids[@]}"; do
    case "$rid" in
        linux-arm64) toolchain=aarch64-linux-gnu; library=libdeberta.so
                     install_missing aarch64-linux-gnu-g++ g++-aarch64-linux-gnu ;;
        win-x64)     toolchain=x86_64-w64-mingw32; library=deberta.dll
                     install_missing x86_64-w64-mingw32-g++-posix g++-mingw-w64-x86-64-posix ;;
    esac
    build="$root/artifacts/native/build-$rid"
    echo "==> libdeberta for $rid"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDEBERTA_NATIVE_TESTS=$tests \
        -DCMAKE_TOOLCHAIN_FILE="$root/native/cmake/$toolchain.cmake" >/dev/null
    cmake --build "$build" --parallel "$(nproc)"
    mkdir -p "$root/artifacts/native/$rid"
    cp "$build/native/$library" "$root/artifacts/native/$rid/$library"
done
