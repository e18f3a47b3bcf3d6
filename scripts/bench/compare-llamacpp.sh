#!/usr/bin/env bash
# llmlab beside llama.cpp on the same GGUF files, in one run on this machine: random-weight
# models at the stories110M and TinyLlama-1.1B shapes in F32, F16, Q8_0 and Q4_K (made by
# `llmlab-cli bench make-model` with llama.cpp's 32000-token llama vocab from the fixtures),
# prompt tokens/s (128 tokens, one batch, median of 5) and greedy decode tokens/s (64 tokens),
# 2 threads each, in two ways of holding the weights, the same for both engines: mapped and
# pinned in RAM (--mlock), and read into memory (--no-mmap). Unpinned, this VM's memory
# reclaim drops pages of a multi-GB model between tokens and figures swing 2x run to run.
# Prints the markdown table kept in docs/BENCHMARKS.md.
#
# Not part of the tests. Installs node-llama-cpp 3.21.1 from npm into build/peers the first
# time; the models take ~9 GB under build/bench-models. Run it on an idle machine.
# Environment: SHAPES, TYPES, MODES (subsets), MODELS_DIR, NODE_LLAMA_CPP_DIR,
# LLMLAB_FIXTURES_DIR; LLAMA_CPU_VARIANT=haswell (say) keeps only that one of the CPU builds
# llama.cpp picks from at run time (in a copy of the package), e.g. to compare AVX2 with AVX2.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${MODELS_DIR:-build/bench-models}
peers=${NODE_LLAMA_CPP_DIR:-build/peers}
vocab=${LLMLAB_FIXTURES_DIR:-../shared/fixtures}/llama.cpp-vocab/ggml-vocab-llama-spm.gguf
cli=build/app/cli/llmlab-cli
shapes=${SHAPES:-"stories110m tinyllama"}
types=${TYPES:-"F32 F16 Q8_0 Q4_K"}
modes=${MODES:-"mlock no-mmap"}

[ -x "$cli" ] || scripts/build.sh
if [ ! -d "$peers/node_modules/node-llama-cpp" ]; then
    mkdir -p "$peers"
    (cd "$peers" && npm i -E --no-audit --no-fund node-llama-cpp@3.21.1 >&2)
fi
mkdir -p "$models"
if [ -n "${LLAMA_CPU_VARIANT:-}" ]; then
    variant_dir="$peers-$LLAMA_CPU_VARIANT"
    if [ ! -d "$variant_dir" ]; then
        cp -rL "$peers" "$variant_dir" # -L: build/peers may be a link
        for lib in "$variant_dir"/node_modules/@node-llama-cpp/linux-x64/bins/*/libggml-cpu-*.so; do
            [ "$(basename "$lib")" = "libggml-cpu-$LLAMA_CPU_VARIANT.so" ] || rm "$lib"
        done
    fi
    peers=$variant_dir
fi

rate() { sed -nE 's/.*: ([0-9.]+) tokens\/s$/\1/p'; }
field() { node -e "console.log(JSON.parse(process.argv[1])['$1'].toFixed(1))" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "| shape | weights | file | weights held | prompt: llmlab | llama.cpp | ratio | decode: llmlab | llama.cpp | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for shape in $shapes; do
    for type in $types; do
        file="$models/$shape-$type.gguf"
        [ -f "$file" ] || "$cli" bench make-model --shape "$shape" --type "$type" \
            --vocab "$vocab" --out "$file" >&2
        size=$(du -m "$file" | cut -f1)
        for mode in $modes; do
            lp=$("$cli" bench prompt "$file" --tokens 128 "--$mode" | rate)
            ld=$("$cli" bench decode "$file" --tokens 64 "--$mode" | rate)
            js=$(NODE_LLAMA_CPP_DIR="$peers" node scripts/bench/llamacpp.mjs "$file" \
                 --prompt 128 --decode 64 --threads 2 "--$mode")
            cp=$(field promptRate "$js")
            cdec=$(field decodeRate "$js")
            held=$([ "$mode" = mlock ] && echo "mapped, mlock" || echo "read in")
            echo "| $shape | $type | ${size} MB | $held | $lp | $cp | $(ratio "$lp" "$cp") | $ld | $cdec | $(ratio "$ld" "$cdec") |"
        done
    done
done
