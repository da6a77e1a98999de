"""Does the review find the model's mistakes, and is ``p_correct`` a probability? Per source.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_review.py [--sources synthetic,naip,oam,spacenet]

For each source, the shipped model segments labelled scenes with ``--review``. Its polygons
are split in two: a calibration part (``p_correct`` is fitted there, as ``landseg calibrate``
fits it) and a held-out part that the calibration never saw, on which the script prints:

- the share of the model's errors (no label of its class at IoU 0.5) among the first 20 % of
  polygons by the calibrated ``review_priority`` (1 - p_correct), by the old formula's
  priority (score x agreement x class margin), by score alone (lowest first), and at random;
- the expected calibration error (ECE, 10 bins) of the raw score and of ``p_correct`` (and of
  the ``p_correct`` the shipped model carries, fitted on the generator's scenes only).

Sources, each split so that no place is in both parts:
- ``synthetic``: the project's generator; calibration on seeds 500-517 at 0.2-1.2 m (8- and
  16-bit), held out seeds 900-905 at other pixel sizes (0.22-1.3 m), half 16-bit, segmented at the
  model's 0.5 m (as by default); ``synthetic-native``: the same scenes segmented at their own
  pixel sizes (``--pixel-size``), where the model sees objects at sizes it did not learn;
- ``naip``: 30 real NAIP images (~1 m) with hand-drawn field parcels (``farm``); the first
  15 images (by name) calibrate, the other 15 are held out;
- ``oam``: real drone mosaics with OpenStreetMap roofs; Zanzibar calibrates, Kampala is held
  out;
- ``spacenet``: the real SpaceNet Atlanta tile (43 roofs); its west half calibrates, its east
  half is held out (few polygons: the figures are rough).

Last, what applying ``p_correct`` costs at segment time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from real_data import naip_images

from landseg.defaults import REVIEW_FLOOR
from landseg.inference.pipeline import segment
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import (
    DEFAULT_ONNX_PATH,
    read_onnx_info,
    write_calibrated,
)
from landseg.io.synthetic import write_scene
from landseg.review.calibrate import fit, reliability, right_polygons, signal_frame_columns
from landseg.review.ranking import TOP_SHARE

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CALIBRATE_PIXELS = (0.2, 0.25, 0.3, 1.0, 1.1, 1.2)
HELD_OUT_PIXELS = (0.22, 1.05, 0.28, 1.15, 0.33, 1.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", default="synthetic,synthetic-native,naip,oam,spacenet")
    parser.add_argument("--size", type=int, default=1024, help="synthetic scenes' size (px)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    model = load(None, device="cpu", conf=REVIEW_FLOOR)  # a review reports from this score
    makers = {
        "synthetic": _synthetic,
        "synthetic-native": lambda *a: _synthetic(*a, native=True),
        "naip": _naip,
        "oam": _oam,
        "spacenet": _spacenet,
    }
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sources.split(","):
            started = time.perf_counter()
            calibration_part, held_out = makers[name](Path(folder) / name, model, args)
            _print(name, calibration_part, held_out, time.perf_counter() - started)
        _cost(Path(folder) / "cost")


def _cost(folder: Path) -> None:
    """What applying p_correct costs: a 4096² scene with the shipped model and with a copy of
    it without its calibration, best of 3 each."""
    plain = folder / "plain.onnx"
    folder.mkdir(parents=True)
    info = replace(read_onnx_info(DEFAULT_ONNX_PATH), calibration=None)
    write_calibrated(DEFAULT_ONNX_PATH, info, plain, overwrite=False)
    scene = write_scene(folder / "scene", size_px=4096, seed=5)
    models = {"with": load(DEFAULT_ONNX_PATH, device="cpu"), "without": load(plain, device="cpu")}
    best = dict.fromkeys(models, float("inf"))
    for run in range(3):
        for name, model in models.items():
            started = time.perf_counter()
            segment(scene.raster_path, folder / f"{name}-{run}.gpkg", model=model)
            best[name] = min(best[name], time.perf_counter() - started)
    print(
        f"cost: 4096² segment {best['with']:.2f} s with p_correct, {best['without']:.2f} s "
        f"without ({best['with'] / best['without'] - 1:+.1%}, best of 3)"
    )


def _predicted(
    raster: Path, labels: gpd.GeoDataFrame, out: Path, model, **options
) -> gpd.GeoDataFrame:
    """The model's polygons of a raster (with --review) and whether each one was right."""
    segment(raster, out, model=model, review=True, **options)
    frame = gpd.read_file(out, layer="landcover")
    frame["right"] = right_polygons(frame, labels.to_crs(frame.crs))
    return frame


def _synthetic(
    folder: Path, model, args, native: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenes segmented at the model's pixel size (resampled), or at their own (``native``:
    the model sees objects at other sizes than it learnt, and errs more)."""
    parts = []
    for seeds, pixels, bits in (
        (range(500, 518), CALIBRATE_PIXELS, (8, 16)),
        (range(900, 906), HELD_OUT_PIXELS, (8, 16)),
    ):
        frames = []
        for k, seed in enumerate(seeds):
            scene = write_scene(
                folder / f"s{seed}",
                size_px=args.size,
                seed=seed,
                pixel_size_m=pixels[k % len(pixels)],
                bits=bits[k % len(bits)],
            )
            labels = gpd.read_file(scene.labels_path)
            options = {"pixel_size_m": pixels[k % len(pixels)]} if native else {}
            out = folder / f"{seed}.gpkg"
            frames.append(_predicted(scene.raster_path, labels, out, model, **options))
        parts.append(pd.concat(frames, ignore_index=True))
    return parts[0], parts[1]


def _naip(folder: Path, model, args) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NAIP images placed in the UTM zone of their centres with 1 m pixels (as their README
    says), their parcels with them."""
    folder.mkdir(parents=True)
    placed = naip_images(folder)
    frames = []
    for k, (raster, labels) in enumerate(placed):
        frame = _predicted(raster, labels, folder / f"{k}.gpkg", model)
        frame["block"] = int(k >= len(placed) / 2)
        frames.append(frame.to_crs("EPSG:4326"))
    pooled = pd.concat(frames, ignore_index=True)
    return pooled[pooled.block == 0], pooled[pooled.block == 1]


def _oam(folder: Path, model, args) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder.mkdir(parents=True)
    source = SHARED / "oam-buildings"
    parts = []
    for area in ("aoi1", "aoi2"):
        labels = gpd.read_file(source / f"{area}_buildings.geojson").assign(**{"class": "roof"})
        parts.append(_predicted(source / f"{area}_z19.tif", labels, folder / f"{area}.gpkg", model))
    return parts[0], parts[1]


def _spacenet(folder: Path, model, args) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder.mkdir(parents=True)
    source = SHARED / "spacenet-atlanta"
    labels = gpd.read_file(source / "buildings.geojson").assign(**{"class": "roof"})
    frame = _predicted(source / "ortho_pan_16bit.tif", labels, folder / "out.gpkg", model)
    east = frame.geometry.centroid.x > np.median(frame.geometry.centroid.x)
    return frame[~east], frame[east]


def _print(name: str, calibration_part: pd.DataFrame, held: pd.DataFrame, seconds: float) -> None:
    columns = signal_frame_columns(calibration_part)
    calibration = fit(columns, calibration_part["class"], calibration_part["right"], source=name)
    p = calibration.p_correct(signal_frame_columns(held), held["class"])
    wrong, count = ~held["right"].to_numpy(bool), max(1, round(TOP_SHARE * len(held)))

    def share(order: np.ndarray) -> float:
        return float(wrong[order[:count]].sum()) / max(1, int(wrong.sum()))

    by_p, by_score = (
        share(np.argsort(p, kind="stable")),
        share(np.argsort(held["score"].to_numpy(), kind="stable")),
    )
    formula = 1 - (held["score"] * held["agreement"] * held["class_margin"]) ** (1 / 3)
    by_formula = share(np.argsort(-formula.to_numpy(), kind="stable"))
    print(
        f"{name}: calibrated on {len(calibration_part)} polygons "
        f"({int(calibration_part['right'].sum())} right; own fits: "
        f"{', '.join(k for k in calibration.weights if k != '*') or 'none, pooled'}); "
        f"held out {len(held)} polygons, {int(wrong.sum())} errors ({seconds:.0f} s)"
    )
    print(
        f"  errors among the first {TOP_SHARE:.0%} by review_priority (1 - p_correct) {by_p:6.1%}"
    )
    print(
        f"  errors among the first {TOP_SHARE:.0%} by the uncalibrated priority   {by_formula:6.1%}"
    )
    print(
        f"  errors among the lowest {TOP_SHARE:.0%} by score                      {by_score:6.1%}"
    )
    print(
        f"  errors among {TOP_SHARE:.0%} at random                               {TOP_SHARE:6.1%}"
    )
    best = min(count, int(wrong.sum())) / max(1, int(wrong.sum()))  # every look a mistake
    print(f"  errors the first {TOP_SHARE:.0%} can hold at best                     {best:6.1%}")
    print(f"  ratio priority / score: {by_p / by_score if by_score else float('inf'):.2f}")
    if best > by_score:
        found = (by_p - by_score) / (best - by_score)
        print(f"  of what score leaves to find, p_correct finds {found:.0%}")
    right = held["right"].to_numpy(bool)
    shipped = held["p_correct"].to_numpy() if "p_correct" in held else None
    print(
        f"  ECE: raw score {reliability(held['score'].to_numpy(), right).ece:.3f}, "
        f"p_correct {reliability(p, right).ece:.3f}"
        + (
            f" (the shipped model's own p_correct: {reliability(shipped, right).ece:.3f})"
            if shipped is not None
            else ""
        )
    )
    for label in sorted(set(held["class"])):
        chosen = (held["class"] == label).to_numpy()
        print(
            f"    {label:12} {chosen.sum():4d} polygons, right {right[chosen].mean():5.1%}: "
            f"ECE score {reliability(held['score'].to_numpy()[chosen], right[chosen]).ece:.3f}, "
            f"p_correct {reliability(p[chosen], right[chosen]).ece:.3f}"
        )


if __name__ == "__main__":
    main()
