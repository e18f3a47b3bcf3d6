#!/usr/bin/env bash
# llmlab-cli compare is deterministic run to run for a seed (self-consistency samples
# included), on stories260K and on a toy model trained here by train-lm; another seed draws
# other samples; reuse of the prompt prefix changes no answer.
set -euo pipefail
cli="$1"
work="$2"
model="${LLMLAB_FIXTURES_DIR:?}/gguf/stories260K.gguf"
rm -rf "$work" && mkdir -p "$work"
[ -f "$model" ] || { echo "missing fixture $model"; exit 1; }

# Everything but the timings.
strip() { grep -v '"seconds"' "$1"; }
run() { # model tasks seed out [extra]
    "$cli" compare "$1" --tasks "$2" --strategies zero,few:2,cot,sc:4 --questions 6 \
        --max-tokens 10 --temp 0.9 --seed "$3" --json "${@:5}" > "$4"
}

run "$model" builtin:past-tense 1 "$work/a.json"
run "$model" builtin:past-tense 1 "$work/b.json"
diff <(strip "$work/a.json") <(strip "$work/b.json")
run "$model" builtin:past-tense 1 "$work/noreuse.json" --no-reuse
diff <(strip "$work/a.json") <(strip "$work/noreuse.json" | sed 's/"reuse_prefix": false/"reuse_prefix": true/') \
    | grep -v reused_tokens | grep -q '^[<>]' && { echo "no-reuse changed an answer"; exit 1; }
run "$model" builtin:past-tense 2 "$work/c.json"
if diff -q <(strip "$work/a.json") <(strip "$work/c.json") > /dev/null; then
    echo "seed 2 drew the same samples as seed 1"; exit 1
fi

"$cli" train-lm --task rule --steps 60 --out "$work/rule.gguf" --quiet > /dev/null
run "$work/rule.gguf" builtin:toy-rule 3 "$work/t1.json"
run "$work/rule.gguf" builtin:toy-rule 3 "$work/t2.json"
diff <(strip "$work/t1.json") <(strip "$work/t2.json")
grep -q '"accuracy_by_n"' "$work/t1.json"

# A bad task file: one sentence naming it, exit 1.
echo '{"question": 1' > "$work/bad.jsonl"
if "$cli" compare "$model" --tasks "$work/bad.jsonl" 2> "$work/err.txt"; then exit 1; fi
grep -q "bad.jsonl: line 1" "$work/err.txt"
echo "compare: deterministic, reuse-exact, seeds differ"
