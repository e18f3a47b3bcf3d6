#!/usr/bin/env bash
# Prepares the GPU check of the foundation issue: builds llmlab-cli for a generic x86-64 CPU
# (no -march=native: the GPU machine is another processor) and fetches the Debian packages of
# the shared libraries that machine may lack, into .gl/ (ignored by git, carried by `device`).
#
# Then, with the device tool, one call (carry: .gl, build-gpu):
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig;
#   export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json;
#   build-gpu/app/cli/llmlab-cli devices && build-gpu/app/cli/llmlab-cli check ops &&
#   build-gpu/app/cli/llmlab-cli bench ops --backend vulkan
# and record the figures in docs/BENCHMARKS.md.
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
