#!/usr/bin/env bash
# llmlab-cli finetune as a user runs it: LoRA on stories260K with tinyshakespeare, the metrics
# file, the held-out loss falling, the merged GGUF scoring what the adapter scored; a pattern
# naming no matrix and a missing text are one sentence each; accumulation, checkpointing and a
# classification head from the command line.
set -euo pipefail
cli="$1"
out="$2"
fixtures="${LLMLAB_FIXTURES_DIR:?}"
model="$fixtures/gguf/stories260K.gguf"
text="$fixtures/corpus/tinyshakespeare.txt"
rm -rf "$out" && mkdir -p "$out"
"$cli" finetune "$model" --data "$text" --steps 30 --batch 8 --seq 32 --lr 5e-3 --eval-every 10 \
    --targets 'q_proj|v_proj|down_proj' --out "$out/run" --merge "$out/merged.gguf" \
    --peft "$out/peft" >"$out/log.txt"
[ -f "$out/peft/adapter_config.json" ] && [ -f "$out/peft/adapter_model.safetensors" ]
grep -q '"peft_type": "LORA"' "$out/peft/adapter_config.json"
# The adapter applied at run time generates what the merged file generates.
"$cli" run "$model" --adapter "$out/peft" --prompt "ROMEO:" -n 24 >"$out/gen-adapter.txt" 2>/dev/null
"$cli" run "$out/merged.gguf" --prompt "ROMEO:" -n 24 >"$out/gen-merged.txt" 2>/dev/null
"$cli" run "$model" --prompt "ROMEO:" -n 24 >"$out/gen-base.txt" 2>/dev/null
cmp <(grep -v '^#' "$out/gen-adapter.txt") <(grep -v '^#' "$out/gen-merged.txt")
if cmp -s <(grep -v '^#' "$out/gen-adapter.txt") <(grep -v '^#' "$out/gen-base.txt"); then
    echo "FAIL: the adapter changed nothing" >&2; exit 1
fi
# Going on from the adapter: its first held-out loss is where the first run ended.
python3 - "$out" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/run/metrics.csv")))
assert [int(r["step"]) for r in rows] == [0, 10, 20, 30], rows
held = [float(r["held_out_loss"]) for r in rows]
assert held[-1] < held[0] - 0.5, held
PY
grep -q '"targets": "q_proj|v_proj|down_proj"' "$out/run/config.json"
last=$(tail -1 "$out/run/metrics.csv" | cut -d, -f3)
"$cli" finetune "$model" --data "$text" --steps 0 --batch 8 --seq 32 --adapter "$out/peft" >"$out/resumed.txt"
"$cli" finetune "$out/merged.gguf" --data "$text" --steps 0 --batch 8 --seq 32 >"$out/merged.txt"
python3 - "$last" "$out/merged.txt" <<'PY'
import re, sys
want = float(sys.argv[1])
got = float(re.search(r"held-out ([0-9.]+)", open(sys.argv[2]).read()).group(1))
assert abs(got - want) < 1e-3, (got, want)
PY
python3 - "$last" "$out/resumed.txt" <<'PY'
import re, sys
want = float(sys.argv[1])
got = float(re.search(r"held-out ([0-9.]+)", open(sys.argv[2]).read()).group(1))
assert abs(got - want) < 1e-3, (got, want)
PY
# kill -9 in the middle of a run, then --resume: it goes on from the last checkpoint and the
# metrics keep one row a step.
"$cli" finetune "$model" --data "$text" --steps 100000 --batch 4 --seq 32 --eval-every 5 \
    --out "$out/killed" >"$out/killed.txt" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    [ -f "$out/killed/metrics.csv" ] && [ "$(wc -l <"$out/killed/metrics.csv")" -ge 4 ] && break
    sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ -f "$out/killed/checkpoint.safetensors" ]
"$cli" finetune --resume "$out/killed" --steps 40 >"$out/resumed-run.txt"
grep -q "resuming $out/killed at step" "$out/resumed-run.txt"
python3 - "$out/killed/metrics.csv" <<'PY'
import csv, sys
steps = [int(r["step"]) for r in csv.DictReader(open(sys.argv[1]))]
assert steps == sorted(set(steps)), steps          # one row a step, in order
assert steps[0] == 0 and steps[-1] == 40, steps
assert all(b - a == 5 for a, b in zip(steps, steps[1:])), steps
PY
# Accumulation and checkpointing from the command line: said in the first line, kept in the
# run's config.json.
"$cli" finetune "$model" --data "$text" --steps 4 --batch 2 --accumulate 2 --checkpointing --seq 32 \
    --lora-dropout 0.1 --eval-every 2 --out "$out/memory" >"$out/memory.txt"
grep -q "4 steps of 2 x 2 x 32 tokens, checkpointing" "$out/memory.txt"
grep -q '"accumulate": 2' "$out/memory/config.json" && grep -q '"checkpointing": true' "$out/memory/config.json"
# A classification head on the frozen features: lines of label<TAB>text; accuracy in the
# metrics, a text classified at the end.
python3 - "$out/feelings.tsv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for name in ["Lily", "Tim", "Sam", "Mia", "Ben", "Anna", "Max", "Sue"]:
        for place in ["at the park", "at home", "at school", "in the garden"]:
            for good, bad in [("happy", "sad"), ("glad", "angry"), ("excited", "scared"), ("good", "bad")]:
                f.write(f"good\t{name} was {place} and felt {good}\n")
                f.write(f"bad\t{name} was {place} and felt {bad}\n")
PY
"$cli" finetune "$model" --data "$out/feelings.tsv" --method head --steps 60 --batch 16 --seq 32 \
    --lr 2e-2 --eval-every 20 --out "$out/head" --classify "Tom was at home and felt happy" >"$out/head.txt"
python3 - "$out/head/metrics.csv" "$out/head.txt" <<'PY'
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [int(r["step"]) for r in rows] == [0, 20, 40, 60], rows
acc = [float(r["held_out_accuracy"]) for r in rows]
assert acc[-1] >= 0.85, acc
m = re.search(r"classify .*:  bad ([0-9.]+)  good ([0-9.]+)", open(sys.argv[2]).read())
assert m and float(m.group(2)) > float(m.group(1)), m
PY
if "$cli" finetune "$model" --data "$text" --method head 2>"$out/err3.txt"; then
    echo "FAIL: took plain text for labelled lines" >&2; exit 1
fi
[ "$(wc -l <"$out/err3.txt")" -eq 1 ] && grep -q "label<TAB>text" "$out/err3.txt"
if "$cli" finetune "$model" --data "$text" --targets 'no_such' 2>"$out/err.txt"; then
    echo "FAIL: trained nothing without saying so" >&2; exit 1
fi
[ "$(wc -l <"$out/err.txt")" -eq 1 ] && grep -q "no_such" "$out/err.txt"
if "$cli" finetune "$model" --data "$out/none.txt" 2>"$out/err2.txt"; then
    echo "FAIL: trained on a missing file" >&2; exit 1
fi
[ "$(wc -l <"$out/err2.txt")" -eq 1 ] && grep -q "none.txt" "$out/err2.txt"
echo "finetune works"
