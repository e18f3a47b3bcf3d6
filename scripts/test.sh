#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest). The fixtures folder defaults to
# ../shared/fixtures; pass -DLLMLAB_FIXTURES_DIR=... to use another.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh "$@"
cd build
ctest --output-on-failure -j2 --timeout 900
