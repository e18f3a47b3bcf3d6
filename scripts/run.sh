#!/usr/bin/env bash
# Installs what is missing, builds, and starts the llmlab window. Arguments go to llmlab.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "llmlab: no display found; starting it under xvfb-run (a virtual screen)"
    exec xvfb-run -a -s "-screen 0 1600x1000x24" build/app/gui/llmlab "$@"
fi
exec build/app/gui/llmlab "$@"
