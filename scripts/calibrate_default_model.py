"""Calibrate the shipped default model's ``p_correct`` on synthetic scenes it never learnt from
(nor is evaluated on), and store the calibration in both shipped files (.pt and .onnx).

Usage: .venv/bin/python scripts/calibrate_default_model.py [--work DIR]
The scenes (seeds 300-307: 8- and 16-bit, with and without a nodata frame, native pixels of
0.3-1.0 m, segmented at the model's 0.5 m) are segmented with --review; their polygons, judged
by the scenes' labels, are the calibration data. Prints the held-out (two-block) figures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd

from landseg.inference.pipeline import segment
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import (
    DEFAULT_MODEL_PATH,
    DEFAULT_ONNX_PATH,
    file_sha256,
    read_onnx_info,
    write_calibrated,
)
from landseg.io.synthetic import write_scene
from landseg.review.calibrate import right_polygons
from landseg.review.calibration_data import Outcomes, calibration_of

SEEDS = range(300, 308)
PIXELS = (0.5, 0.3, 0.5, 0.4, 0.5, 0.7, 0.5, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        model = load(DEFAULT_ONNX_PATH, device="cpu")
        frames, rights = [], []
        for k, seed in enumerate(SEEDS):
            scene = write_scene(
                work / f"scene-{seed}",
                size_px=2048,
                seed=seed,
                pixel_size_m=PIXELS[k],
                bits=16 if k % 3 == 2 else 8,
                nodata_border_px=32 if k % 2 else 0,
                overwrite=True,
            )
            out = work / f"scene-{seed}.gpkg"
            segment(scene.raster_path, out, model=model, review=True, overwrite=True)
            frame = gpd.read_file(out, layer="landcover")
            frames.append(frame)
            rights.append(right_polygons(frame, gpd.read_file(scene.labels_path).to_crs(frame.crs)))
        outcomes = Outcomes.of(frames, rights, [k % 2 for k in range(len(frames))])
        calibration = calibration_of(
            outcomes,
            source="synthetic scenes of seeds 300-307 (scripts/calibrate_default_model.py)",
        )
        info = replace(read_onnx_info(DEFAULT_ONNX_PATH), calibration=calibration.to_dict())
        for shipped in (DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH):
            calibrated = shipped.with_name(f"calibrated{shipped.suffix}")
            write_calibrated(shipped, info, calibrated, overwrite=True)
            os.replace(calibrated, shipped)
            print(f"{shipped.name}: sha256 {file_sha256(shipped)}")
    print(json.dumps(calibration.held_out, indent=1))


if __name__ == "__main__":
    main()
