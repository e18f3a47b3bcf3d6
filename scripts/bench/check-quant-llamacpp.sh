#!/usr/bin/env bash
# Files written by `llmlab-cli quantize` against llama.cpp: each type (llama.cpp's mixture
# rules, and one with an importance matrix) made from a model, loaded in llama.cpp (the
# node-llama-cpp 3.21.1 peer) and decoded greedily (token ids) beside llmlab's own greedy decode of the
# same file. Prints a markdown table: type, size, loads in llama.cpp, same greedy text.
# Not part of the tests (installs node-llama-cpp under build/peers the first time).
# usage: scripts/bench/check-quant-llamacpp.sh [MODEL] (default: the fixtures' stories260K.gguf;
# a llama2.c checkpoint or a Hugging Face folder works too)
set -euo pipefail
cd "$(dirname "$0")/../.."
fixtures=${LLMLAB_FIXTURES_DIR:-../shared/fixtures}
model=${1:-$fixtures/gguf/stories260K.gguf}
types=${TYPES:-"F32 F16 BF16 Q8_0 Q6_K Q5_K_M Q5_K_S Q5_1 Q5_0 Q4_K_M Q4_K_S Q4_1 Q4_0 Q3_K_L Q3_K_M Q3_K_S Q2_K"}
prompt=${PROMPT:-"Once upon a time"}
tokens=${TOKENS:-24}
peers=${NODE_LLAMA_CPP_DIR:-build/peers}
out=${OUT_DIR:-build/quant-check}
cli=build/app/cli/llmlab-cli
[ -x "$cli" ] || scripts/build.sh
if [ ! -d "$peers/node_modules/node-llama-cpp" ]; then
    mkdir -p "$peers"
    (cd "$peers" && npm i -E --no-audit --no-fund node-llama-cpp@3.21.1 >&2)
fi
mkdir -p "$out"
files=()
for t in $types; do
    "$cli" quantize "$model" --type "$t" --out "$out/$t.gguf" --quiet >/dev/null
    files+=("$out/$t.gguf")
done
"$cli" quantize "$model" --type Q4_K_M --imatrix "$fixtures/corpus/tinyshakespeare.txt" \
    --imatrix-tokens 2048 --out "$out/Q4_K_M-imatrix.gguf" --quiet >/dev/null
files+=("$out/Q4_K_M-imatrix.gguf")
results=$(NODE_LLAMA_CPP_DIR="$peers" node scripts/bench/quant_llamacpp.mjs --prompt "$prompt" \
          --tokens "$tokens" "${files[@]}")
echo "| file | bytes | loads in llama.cpp | greedy tokens: llama.cpp = llmlab | llama.cpp's text |"
echo "|---|---:|---|---|---|"
for f in "${files[@]}"; do
    line=$(grep -F "\"model\":\"$f\"" <<<"$results")
    loaded=$(node -e 'const j=JSON.parse(process.argv[1]); console.log(j.loaded ? "yes" : "no: " + j.error)' "$line")
    theirs=$(node -e 'const j=JSON.parse(process.argv[1]); console.log((j.ids ?? []).join(" "))' "$line")
    text=$(node -e 'const j=JSON.parse(process.argv[1]); console.log(JSON.stringify(j.text ?? ""))' "$line")
    # llmlab-cli run --logits writes each token as [id logprob].
    ours=$("$cli" run "$f" --prompt "$prompt" -n "$tokens" --temp 0 --logits 2>/dev/null |
           grep -oE '\[[0-9]+ ' | tr -d '[ ' | tr '\n' ' ' | sed 's/ $//')
    if [ "$theirs" = "$ours" ]; then same="yes, all $tokens"; else
        n=0; read -ra a <<<"$theirs"; read -ra b <<<"$ours"
        while [ $n -lt ${#a[@]} ] && [ "${a[$n]}" = "${b[$n]:-}" ]; do n=$((n + 1)); done
        same="first $n of $tokens"
    fi
    echo "| $(basename "$f") | $(stat -c %s "$f") | $loaded | $same | ${text//|/\\|} |"
done
