#!/usr/bin/env bash
# The README's main job: segment the bundled sample scene with the shipped default model.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
.venv/bin/landseg synth demo --size 2048 --seed 0 --overwrite
echo "landseg demo: segmentation is not built yet; the sample scene is in demo/." >&2
exit 1
