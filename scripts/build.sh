#!/usr/bin/env bash
# Configures and builds llmlab into build/ (Release). Extra arguments go to cmake's configure.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on the compiler command line; relative paths let a clone in another folder reuse
# what an earlier build compiled.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
