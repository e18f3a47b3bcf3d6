#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest); then rebuilds the parsers'
# tests (model files, tokenizers) under AddressSanitizer + UBSan and runs them again.
# The fixtures folder defaults to ../shared/fixtures; pass -DLLMLAB_FIXTURES_DIR=... to change it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh "$@"
(cd build && ctest --output-on-failure -j2 --timeout 900)

echo "== parser tests under AddressSanitizer + UBSan =="
export CCACHE_BASEDIR="$PWD"
parsers="tst_formats tst_formats_files tst_tokenizers tst_tokenizers_gguf"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMLAB_BUILD_GUI=OFF \
    -DLLMLAB_SANITIZE=ON "$@" >/dev/null
cmake --build build-asan -j"$(nproc)" --target $parsers
cd build-asan
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --output-on-failure -j2 --timeout 900 -R "^($(echo $parsers | tr ' ' '|'))\$"
