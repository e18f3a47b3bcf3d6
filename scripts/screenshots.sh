#!/usr/bin/env bash
# Retakes the screenshots of every lab with results in it, at 1280x720 and 1600x1000, into
# docs/screenshots/tour-*.png (tests/tst_lab_tour.cpp, offscreen; the grokking run is trained
# until it groks, about a minute), and the attribution lab's attribution-*.png
# (tests/tst_interp_lab.cpp). Build first: scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen LLMLAB_SHOT_DIR="$PWD/docs/screenshots" LLMLAB_SHOT_GROK=1
export LLMLAB_FIXTURES_DIR="${LLMLAB_FIXTURES_DIR:-$PWD/../shared/fixtures}"
XDG_RUNTIME_DIR="$(mktemp -d)"
export XDG_RUNTIME_DIR
chmod 700 "$XDG_RUNTIME_DIR"
build/tests/tst_lab_tour
# The attribution lab's tabs: docs/screenshots/attribution-*.png.
build/tests/tst_interp_lab
# A LoRA run with its live curves and samples: docs/screenshots/finetune-lora.png.
build/tests/tst_finetune_lab
