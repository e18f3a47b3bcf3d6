#!/usr/bin/env bash
# Prepares the GPU check of the foundation issue: builds llmlab-cli for a generic x86-64 CPU
# (no -march=native: the GPU machine is another processor) and fetches the Debian packages of
# the shared libraries that machine may lack, into .gl/ (ignored by git, carried by `device`).
#
# It also writes .gl/run.sh, the whole check in one script for the GPU machine (no Qt there,
# no package registry): op checks against the CPU, matmul GFLOP/s, prompt and decode of the
# stories110M- and TinyLlama-shape Q4_K bench models (made there from the fixture's vocabulary,
# copied into .gl: the models are too large to carry), and the grokking Nanda preset for 1,000
# steps, each on the CPU and on Vulkan, ending in one table. With the device tool, one call:
#   run(command="bash .gl/run.sh", carry=[".gl", "build-gpu"], timeout_s=480)
# and record the figures in docs/BENCHMARKS.md. Made to finish in under 8 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DLLMLAB_NATIVE=OFF -DLLMLAB_BUILD_GUI=OFF \
    -DLLMLAB_BUILD_TESTS=OFF -DLLMLAB_MPI=OFF >/dev/null
cmake --build build-gpu -j"$(nproc)" --target llmlab-cli
grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo '/.gl/' >> .git/info/exclude
mkdir -p .gl /tmp/amd64/partial
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
apt-get $o update -q
# The Vulkan loader, and the libraries llmlab-cli links that a bare machine may not have.
(cd .gl && apt-get $o download libvulkan1 libgomp1 libpcre2-8-0 libicu72)
ls -la .gl build-gpu/app/cli/llmlab-cli
cp "${LLMLAB_FIXTURES_DIR:-../shared/fixtures}/llama.cpp-vocab/ggml-vocab-llama-spm.gguf" .gl/vocab.gguf
cat > .gl/run.sh <<'RUN'
#!/usr/bin/env bash
# The GPU check (made by scripts/gpu-check.sh), from the repository root on the GPU machine.
set -uo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$nv" ] && export VK_DRIVER_FILES=${VK_DRIVER_FILES:-$nv}
cli=build-gpu/app/cli/llmlab-cli
rate() { sed -nE 's/.*: ([0-9.]+) (tokens|steps)\/s$/\1/p' | tail -1; }
table=()
"$cli" devices
echo "== check ops"; "$cli" check ops | tail -5
echo "== bench ops"; "$cli" bench ops --sizes 1024,2048,4096 --reps 5
for shape in stories110m tinyllama; do
    model=/tmp/$shape-Q4_K.gguf
    "$cli" bench make-model --shape "$shape" --type Q4_K --vocab .gl/vocab.gguf --out "$model" >/dev/null
    for be in cpu vulkan; do
        p=$(timeout 120 "$cli" bench prompt "$model" --tokens 128 --backend "$be" 2>&1 | rate)
        d=$(timeout 120 "$cli" bench decode "$model" --tokens 64 --backend "$be" 2>&1 | rate)
        table+=("| $shape Q4_K | $be | prompt ${p:-failed} tokens/s | decode ${d:-failed} tokens/s |")
    done
done
for be in cpu vulkan; do
    t=$(timeout 150 "$cli" bench train --preset nanda --steps 1000 --backend "$be" 2>&1 | rate)
    table+=("| grokking nanda, 1000 steps | $be | ${t:-failed} steps/s | |")
done
echo "== LLMLAB_PROFILE=1, one stories110M prompt on Vulkan"
LLMLAB_PROFILE=1 timeout 60 "$cli" bench prompt /tmp/stories110m-Q4_K.gguf --tokens 128 --backend vulkan 2>&1 |
    sed -n '/GPU time per shader/,/total/p' | tail -14
echo "| what | backend | | |"
echo "|---|---|---|---|"
printf '%s\n' "${table[@]}"
RUN
chmod +x .gl/run.sh
