#!/usr/bin/env bash
# llmlab-cli landscape across processes: the grid of one process, the same grid as 4 slices
# computed by 4 processes at once and merged, and (when llmlab-cli has Open MPI) by 4 MPI
# ranks; all three CSVs must be byte for byte the same. Also: bad options are refused.
set -euo pipefail
cli="$1"
dir="$2"
rm -rf "$dir" && mkdir -p "$dir"
run="$dir/run"
"$cli" train --preset quick --p 23 --d-model 32 --d-mlp 64 --steps 150 --checkpoint-every 50 \
    --out "$run" >/dev/null
common=(--directions pca --grid 9 --no-cache --no-sharpness --quiet)
"$cli" landscape "$run" "${common[@]}" --out "$dir/one.csv" >/dev/null
pids=()
for k in 1 2 3 4; do
    "$cli" landscape "$run" "${common[@]}" --slice "$k/4" --out "$dir/slice$k.csv" >/dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
"$cli" landscape-merge "$dir/merged.csv" "$dir"/slice{1,2,3,4}.csv
cmp "$dir/one.csv" "$dir/merged.csv"
# Slices of another landscape (another seed) are refused, not mixed in.
"$cli" landscape "$run" --grid 9 --no-cache --no-sharpness --quiet --seed 7 --slice 1/4 \
    --out "$dir/other.csv" >/dev/null
if "$cli" landscape-merge "$dir/mixed.csv" "$dir/slice1.csv" "$dir/other.csv" 2>/dev/null; then
    echo "slices of two landscapes were merged" >&2
    exit 1
fi
echo "4 processes: merged CSV = one-process CSV ($(wc -l <"$dir/one.csv") lines)"

if [ "${LLMLAB_EXPECT_MPI:-0}" = 1 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
        mpirun -n 4 "$cli" landscape "$run" --directions pca --grid 9 --mpi --out "$dir/mpi.csv" \
        >/dev/null
    cmp "$dir/one.csv" "$dir/mpi.csv"
    echo "4 MPI ranks: gathered CSV = one-process CSV"
else
    echo "MPI: skipped (llmlab-cli built without Open MPI)"
fi

# An opened model: 2 slices of a landscape over one layer's MLP merge to the one-process CSV.
model="${LLMLAB_FIXTURES_DIR:-}/gguf/stories260K.gguf"
if [ -f "$model" ]; then
    m=(--prompt "Once upon a time, there was a little girl named Lily." --tensors 'blk\.1\.ffn_'
       --grid 7 --quiet)
    "$cli" landscape "$model" "${m[@]}" --out "$dir/model.csv" >/dev/null
    "$cli" landscape "$model" "${m[@]}" --slice 1/2 --out "$dir/model1.csv" >/dev/null &
    first=$!
    "$cli" landscape "$model" "${m[@]}" --slice 2/2 --out "$dir/model2.csv" >/dev/null
    wait "$first"
    "$cli" landscape-merge "$dir/model-merged.csv" "$dir/model1.csv" "$dir/model2.csv" >/dev/null
    cmp "$dir/model.csv" "$dir/model-merged.csv"
    echo "model: 2 slices merged = one-process CSV"
elif [ "${CI:-}" = true ]; then
    echo "fixture missing: $model" >&2
    exit 1
fi

# Bad values get one sentence and a non-zero exit, and nothing is computed.
for bad in "--slice 5/4" "--directions sideways" "--grid 500" "--split test"; do
    if "$cli" landscape "$run" $bad --no-cache >"$dir/out.txt" 2>&1; then
        echo "accepted: $bad" >&2
        exit 1
    fi
    grep -q "llmlab-cli landscape: " "$dir/out.txt"
done
echo "bad options refused"
