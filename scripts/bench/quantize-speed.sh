#!/usr/bin/env bash
# Quantizing speed beside llama.cpp: the TinyLlama-1.1B shape (random weights, F16, made by
# `llmlab-cli bench make-model`) written as each type by `llmlab-cli quantize` and by
# llama.cpp's llama_model_quantize (scripts/bench/quantize_llamacpp.py), 2 threads each, the
# faster of two runs each, alternating. Prints the markdown table kept in docs/BENCHMARKS.md.
# Not part of the tests; needs node-llama-cpp under build/peers (check-quant-llamacpp.sh
# installs it) and ~6 GB under build/bench-models.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${MODELS_DIR:-build/bench-models}
vocab=${LLMLAB_FIXTURES_DIR:-../shared/fixtures}/llama.cpp-vocab/ggml-vocab-llama-spm.gguf
types=${TYPES:-"Q8_0 Q4_0 Q4_K_M Q6_K Q2_K"}
cli=build/app/cli/llmlab-cli
mkdir -p "$models"
src="$models/tinyllama-F16.gguf"
[ -f "$src" ] || "$cli" bench make-model --shape tinyllama --type F16 --vocab "$vocab" --out "$src" >&2
secs() { sed -nE 's/.* in ([0-9.]+) s;.*/\1/p'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
echo "| type | llmlab s | llama.cpp s | ratio (llmlab / llama.cpp) | llmlab MiB | llama.cpp MiB |"
echo "|---|---:|---:|---:|---:|---:|"
for t in $types; do
    best_us=1e9; best_them=1e9
    for rep in 1 2; do
        us=$("$cli" quantize "$src" --type "$t" --threads 2 --quiet --out "$models/q-us.gguf" | secs)
        them=$(python3 scripts/bench/quantize_llamacpp.py "$src" "$models/q-them.gguf" "$t" \
               --threads 2 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).seconds.toFixed(2)))')
        best_us=$(min "$best_us" "$us"); best_them=$(min "$best_them" "$them")
    done
    printf '| %s | %.1f | %.1f | %.2f | %d | %d |\n' "$t" "$best_us" "$best_them" \
        "$(awk -v a="$best_us" -v b="$best_them" 'BEGIN { print a / b }')" \
        "$(( $(stat -c %s "$models/q-us.gguf") / 1048576 ))" "$(( $(stat -c %s "$models/q-them.gguf") / 1048576 ))"
done
