#!/usr/bin/env bash
# Builds the libFuzzer targets of the model-file parsers with clang and runs each for a while.
# Usage: scripts/fuzz.sh [seconds per target, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j"$(nproc)"
fixtures=${LLMLAB_FIXTURES_DIR:-../shared/fixtures}
for t in gguf safetensors llama2c; do
    mkdir -p build-fuzz/corpus-$t
    case $t in
        gguf) seeds="$fixtures/gguf" ;;
        safetensors) seeds="$fixtures/hf" ;;
        llama2c) seeds="$fixtures/llama2c" ;;
    esac
    build-fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 build-fuzz/corpus-$t $seeds
done
