#!/usr/bin/env bash
# llmlab-cli sweep across processes: an uninterrupted sweep, the same sweep killed with -9
# mid-way and run again, 4 MPI ranks (when built with Open MPI), and a Slurm array task by
# task plus the merge step — all give the same results.csv (its wall_s column aside).
set -euo pipefail
cli="$1"
dir="$2"
rm -rf "$dir" && mkdir -p "$dir"
cat >"$dir/spec.json" <<'JSON'
{"format": "llmlab-sweep", "name": "cli-test", "kind": "grokking",
 "base": {"preset": "quick", "task": {"modulus": 13, "train_fraction": 0.5},
          "model": {"d_model": 16, "d_mlp": 64, "heads": 2},
          "max_steps": 1500, "eval_every": 10, "checkpoint_every": 50, "checkpoint_seconds": 0},
 "grid": {"optim.weight_decay": [0.0, 1.0], "optim.lr": [1e-3, 3e-3, 1e-2]}}
JSON
# The CSV without wall_s (the column that depends on the machine's load).
strip() { python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
k = rows[0].index("wall_s")
for r in rows: print(",".join(c for i, c in enumerate(r) if i != k))
PY
}

"$cli" sweep "$dir/spec.json" --out "$dir/one" --jobs 1 --quiet >/dev/null
strip "$dir/one/results.csv" >"$dir/one.txt"
grep -q ',done,' "$dir/one.txt"
[ "$(grep -c ',done,' "$dir/one.txt")" = 6 ]

# kill -9 once a run has finished and another has a checkpoint but no result.
"$cli" sweep "$dir/spec.json" --out "$dir/killed" --jobs 2 --quiet >/dev/null &
pid=$!
for _ in $(seq 1 600); do
    done_runs=$( (find "$dir/killed" -name result.json 2>/dev/null || true) | wc -l)
    started=0
    for r in "$dir"/killed/run-*; do
        [ -f "$r/checkpoint.safetensors" ] && [ ! -f "$r/result.json" ] && started=1
    done
    [ "$done_runs" -ge 1 ] && [ "$started" = 1 ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
left=$(find "$dir/killed" -name result.json | wc -l)
if [ "$left" -ge 6 ]; then echo "the sweep finished before it could be killed" >&2; exit 1; fi
"$cli" sweep "$dir/spec.json" --out "$dir/killed" --jobs 2 --quiet >/dev/null
strip "$dir/killed/results.csv" >"$dir/killed.txt"
cmp "$dir/one.txt" "$dir/killed.txt"
echo "killed with $left of 6 runs done, resumed: results.csv = uninterrupted results.csv"

# A folder keeps its sweep: another spec there is refused with the folder's name.
if "$cli" sweep preset:grokking-phases --out "$dir/one" --quiet 2>"$dir/err.txt"; then
    echo "another sweep ran in a folder that holds one" >&2
    exit 1
fi
grep -q "holds another sweep" "$dir/err.txt"

# Slurm: the scripts, then each array task by hand and the merge.
"$cli" sweep "$dir/spec.json" --out "$dir/slurm" --emit-slurm >/dev/null
grep -q -- '--array=0-5' "$dir/slurm/sweep.sbatch"
grep -q -- '--run-index "$SLURM_ARRAY_TASK_ID"' "$dir/slurm/sweep.sbatch"
grep -q -- '--merge' "$dir/slurm/merge.sbatch"
grep -q -- 'dependency=afterany' "$dir/slurm/submit.sh"
for i in 0 1 2 3 4 5; do
    SLURM_ARRAY_TASK_ID=$i bash -c "$(grep -- '--run-index' "$dir/slurm/sweep.sbatch")" >/dev/null
done
[ ! -f "$dir/slurm/results.csv" ]
bash "$dir/slurm/merge.sbatch" >/dev/null
strip "$dir/slurm/results.csv" >"$dir/slurm.txt"
cmp "$dir/one.txt" "$dir/slurm.txt"
echo "Slurm array tasks one by one + merge: results.csv = one-process results.csv"

if [ "${LLMLAB_EXPECT_MPI:-0}" = 1 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
        mpirun -n 4 "$cli" sweep "$dir/spec.json" --out "$dir/mpi" --mpi --quiet >/dev/null
    strip "$dir/mpi/results.csv" >"$dir/mpi.txt"
    cmp "$dir/one.txt" "$dir/mpi.txt"
    echo "4 MPI ranks: results.csv = --jobs 1 results.csv"
else
    echo "MPI: skipped (llmlab-cli built without Open MPI)"
fi
