#!/usr/bin/env bash
# The README's main job: segment the bundled sample scene with the shipped default model,
# then score the polygons against the scene's ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
landseg=.venv/bin/landseg
mkdir -p demo
$landseg synth demo --size 2048 --seed 0 --overwrite
$landseg segment demo/scene.tif -o demo/landcover.gpkg --overwrite
$landseg evaluate --predictions demo/landcover.gpkg --labels demo/labels.gpkg \
    --json demo/evaluation.json --overwrite
echo "Open demo/scene.tif and demo/landcover.gpkg in QGIS to see the result."
