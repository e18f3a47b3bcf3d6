#!/usr/bin/env bash
# llmlab-cli quantize and quant-compare as a user runs them: stories260K written at two types
# (one with an importance matrix measured on the corpus), the files reopened by inspect, the
# ladder compared with --json; a model that is not a version of the reference is refused with
# one sentence naming it, and nothing is left half written.
set -euo pipefail
cli="$1"
out="$2"
fixtures="${LLMLAB_FIXTURES_DIR:?}"
model="$fixtures/gguf/stories260K.gguf"
rm -rf "$out" && mkdir -p "$out"
"$cli" quantize "$model" --type Q8_0 --out "$out/q8.gguf" --quiet >"$out/q8.txt"
grep -q "Q8_0" "$out/q8.txt" # (not piped into grep -q: its early exit would SIGPIPE the cli)
"$cli" quantize "$model" --type q4_k --imatrix "$fixtures/corpus/tinyshakespeare.txt" \
    --imatrix-tokens 1024 --out "$out/q4.gguf" --quiet >"$out/q4.txt"
grep -q "importance matrix: 1024 tokens" "$out/q4.txt"
grep -q "Q4_K_M with an importance matrix" "$out/q4.txt"
"$cli" inspect "$out/q4.gguf" >"$out/inspect.txt"
grep -q "llama" "$out/inspect.txt"
"$cli" quant-compare "$model" "$out/q8.gguf" "$out/q4.gguf" --tokens 64 --decode 2 --json --quiet \
    >"$out/cmp.json"
python3 - "$out/cmp.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["models"]
assert [x["type"] for x in m] == ["F32", "Q8_0", "Q4_K_M imatrix"], [x["type"] for x in m]
assert m[0]["mean_kl"] == 0 and m[0]["top1_agreement"] == 1
assert 0 < m[1]["mean_kl"] < m[2]["mean_kl"], (m[1]["mean_kl"], m[2]["mean_kl"])
assert len(m[2]["kl_per_position"]) == r["tokens"] == 64
assert len(m[2]["lens_kl"]) == r["layers"] == 5
assert m[2]["file_bytes"] < m[1]["file_bytes"] < m[0]["file_bytes"]
PY
# Not the same model: refused, naming the file.
if "$cli" quant-compare "$model" "$fixtures/gguf/quant/random-256-Q8_0.gguf" --quiet 2>"$out/err.txt"; then
    echo "FAIL: compared two different models" >&2; exit 1
fi
grep -q "random-256-Q8_0.gguf: is not a version of" "$out/err.txt"
# A file that is not a model: one sentence, and no output appears.
printf 'not a model' >"$out/bad.gguf"
if "$cli" quantize "$out/bad.gguf" --type Q8_0 --out "$out/never.gguf" 2>"$out/err2.txt"; then
    echo "FAIL: quantized a file that is not a model" >&2; exit 1
fi
[ "$(wc -l <"$out/err2.txt")" -eq 1 ] && grep -q "bad.gguf" "$out/err2.txt"
[ ! -e "$out/never.gguf" ] && [ ! -e "$out/never.gguf.part" ]
echo "quantize and quant-compare work"
