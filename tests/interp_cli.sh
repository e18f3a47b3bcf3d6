#!/usr/bin/env bash
# llmlab-cli attribute and patch as a user runs them on stories260K: direct logit attribution
# whose parts sum to the difference, the contribution graph's routes, exact patching beside its
# gradient estimate with their correlation; prompts of different lengths and a word of several
# tokens are refused with one sentence.
set -euo pipefail
cli="$1"
out="$2"
model="${LLMLAB_FIXTURES_DIR:?}/gguf/stories260K.gguf"
rm -rf "$out" && mkdir -p "$out"
"$cli" attribute "$model" --prompt "Lily gave the ball to Tim. Tim said thank you to" \
    --target Lily --versus Tim --json >"$out/dla.json"
"$cli" attribute "$model" --prompt "Lily gave the ball to Tim. Tim said thank you to" \
    --graph --threshold 0.05 --json >"$out/graph.json"
printf 'Once upon a time there was a dog.\nTom and Sue went to the park.\n' >"$out/reference.txt"
"$cli" attribute "$model" --prompt "Lily gave the ball to Tim. Tim said thank you to" \
    --target Lily --versus Tim --ablate mean --reference "$out/reference.txt" --json >"$out/mean.json"
"$cli" patch "$model" --clean "Lily gave the ball to Tim. Tim said thank you to" \
    --corrupt "Tim gave the ball to Lily. Lily said thank you to" --target Lily --versus Tim \
    --method both --json >"$out/patch.json"
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
a = json.load(open(d + "/dla.json"))
assert abs(a["sum_of_parts"] - a["logit_diff"]) < 1e-4 * max(1, abs(a["logit_diff"])), a
assert len(a["heads"]) == 5 and len(a["heads"][0]) == 8
g = json.load(open(d + "/graph.json"))
assert g["edges"], "no routes"
assert all(e["importance"] >= 0.05 for e in g["edges"])
assert any(e["kind"] == "attention" and e["from"] != e["to"] for e in g["edges"]), "no token-to-token edge"
assert any(e["to"] == len(g["tokens"]) - 1 and e["layer"] == 4 for e in g["edges"])
m = json.load(open(d + "/mean.json"))
assert m["ablation"]["kind"] == "mean" and len(m["ablation"]["diff_change"]) == 5
assert m["ablation"]["runs"] == 1 + 5 * 8
p = json.load(open(d + "/patch.json"))
assert p["exact"]["runs"] == 2 + 5 * (len(p["clean_tokens"]) + 8)
assert p["attribution_patching"]["runs"] == 2
assert p["correlation"]["heads"] > 0.99 and p["correlation"]["residual"] > 0.95, p["correlation"]
PY
if "$cli" patch "$model" --clean "Lily gave the ball" --corrupt "Tim gave it" --target Lily \
    --versus Tim 2>"$out/err.txt"; then
    echo "FAIL: patched prompts of different lengths" >&2; exit 1
fi
[ "$(wc -l <"$out/err.txt")" -eq 1 ] && grep -q "same length" "$out/err.txt"
if "$cli" attribute "$model" --prompt "Lily went" --target "Lily and Tom" 2>"$out/err2.txt"; then
    echo "FAIL: took three words as one token" >&2; exit 1
fi
[ "$(wc -l <"$out/err2.txt")" -eq 1 ] && grep -q "not one" "$out/err2.txt"
echo "attribute and patch work"
