"""Real imagery: LandSeg's fine-tune against plain ultralytics on real NAIP fields, and each of
LandSeg's choices switched off in turn.

Usage (from the repository root):
    .venv/bin/python benchmarks/bench_real.py [--epochs 5] [--imgsz 320]
    .venv/bin/python benchmarks/bench_real.py --full      # 40 epochs at the tile size

The 30 NAIP images of ``../shared/data/naip-fields`` (about 1 m per pixel, 1,232 hand-drawn
field parcels, LandSeg's ``farm``) are placed as their README says (1 m pixels, north up, in
the UTM zone of each image's centre) and split by image with a fixed seed: 20 to train on, 10
held out. Nothing of the held-out images enters training, calibration or the choice of tiles.
Every method segments the 10 held-out images with ``segment`` (the same seam merge and
polygons) and is scored at the map level by ``evaluate_map`` on the ``farm`` parcels:

1. the shipped model, zero-shot;
2. LandSeg with its defaults: ``export-dataset --auto-scale`` of the 20 images, ``train`` from
   the shipped model (balanced class weights, copy-paste, no continued phase);
3. plain ultralytics on the same tiles, epochs, image size and start weights:
   ``YOLO(shipped.pt).train(data=...)`` with its defaults, its ``best.pt`` segmented with the
   dataset's tile and pixel size;
4. LandSeg with one choice changed: no class weights; no copy-paste; no auto-scale (tiles of
   the model's size at the rasters' 1 m); and a continued phase at a lower learning rate (the
   last fifth of the epochs, so the budget stays the same).

It prints AP50, AP50-95, recall and area IoU of ``farm`` for each, and the CPU minutes each
took (training included), then for each the share of parcels found (one prediction at IoU
≥ 0.5) by their extent: where a method loses them, small parcels or large ones cut by the
tiles. The default budget runs in about 35 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from real_data import map_scores, naip_split

from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.training.dataset import export_dataset
from landseg.training.options import TrainOptions
from landseg.training.train import train

CLASSES = ["roof", "farm", "rice-fields", "Baren-Land"]  # the shipped model's, kept as they are


@dataclass
class Scored:
    """One method's figures on the held-out images."""

    name: str
    ap50: float
    ap50_95: float
    recall: float
    area_iou: float
    cpu_minutes: float
    found_by_size: dict[str, list]  # the parcels' extent (m) -> [how many, share found]
    note: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--imgsz", type=int, default=320, help="training image size (px)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--full", action="store_true", help="40 epochs at the tile size")
    parser.add_argument("--methods", default="zero-shot,landseg,ultralytics,ablations")
    args = parser.parse_args()
    if args.full:
        args.epochs, args.imgsz = 40, 0
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train_set, held_out = naip_split(folder / "rasters")
        labels = _labels(train_set, folder / "train_labels.gpkg")
        print(
            f"NAIP: {len(train_set)} images to train on ({_parcels(train_set)} parcels), "
            f"{len(held_out)} held out ({_parcels(held_out)} parcels); {args.epochs} epochs, "
            f"training image size {args.imgsz or 'the tile'}"
        )
        methods = args.methods.split(",")
        results = []
        if "zero-shot" in methods:
            results.append(_zero_shot(held_out, folder / "zero"))
        runs = _landseg_runs(args) if {"landseg", "ablations"} & set(methods) else {}
        if "ablations" not in methods:
            runs = {name: run for name, run in runs.items() if name == "LandSeg"}
        for name, (export, options) in runs.items():
            results.append(_landseg(name, export, options, train_set, labels, held_out, folder))
        if "ultralytics" in methods:
            results.append(_plain_ultralytics(args, train_set, labels, held_out, folder))
    _print(results)


def _parcels(images) -> int:
    return sum(len(labels) for _, labels in images)


def _labels(images, path: Path) -> Path:
    """The training images' parcels in one file (each raster reads them in its own CRS)."""
    frames = [labels.to_crs("EPSG:4326") for _, labels in images]
    pd.concat(frames, ignore_index=True).to_file(path)
    return path


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _scored(name: str, model, held_out, folder: Path, started: float, **segment_options):
    """Segment the held-out images with ``model`` and score ``farm`` at the map level."""
    farm = map_scores(model, held_out, "farm", folder, CLASSES, **segment_options)
    minutes = (_cpu_seconds() - started) / 60
    figures = (farm[key] for key in ("ap50", "ap50_95", "recall", "area_iou"))
    return Scored(name, *figures, minutes, farm["found_by_size"])


def _zero_shot(held_out, folder: Path) -> Scored:
    started = _cpu_seconds()
    return _scored("shipped model, zero-shot", load(None, device="cpu"), held_out, folder, started)


def _landseg_runs(args) -> dict[str, tuple[dict, dict]]:
    """LandSeg's workflow and each choice changed: (export options, training options)."""
    export = {"auto_scale": True}
    options = {
        "base_model": str(DEFAULT_MODEL_PATH),
        "epochs": args.epochs,
        "imgsz": args.imgsz or None,
        "batch": args.batch,
    }
    continued = max(1, args.epochs // 5)
    return {
        "LandSeg": (export, options),
        "  without class weights": (export, {**options, "class_weights": "none"}),
        "  without copy-paste": (export, {**options, "copy_paste": 0.0}),
        "  without auto-scale": ({"auto_scale": False}, options),
        "  with a continued phase": (
            export,
            {**options, "epochs": args.epochs - continued, "continue_epochs": continued},
        ),
    }


def _dataset(train_set, labels: Path, folder: Path, **export) -> tuple[Path, dict]:
    """The LandSeg dataset of the training images (exported once per set of options)."""
    key = "auto" if export.get("auto_scale") else "native"
    out = folder / f"dataset-{key}"
    if not out.exists():
        rasters = [raster for raster, _ in train_set]
        export_dataset(rasters, labels, out, class_names=CLASSES, tile_size_px=256, **export)
    return out, json.loads((out / "stats.json").read_text())


def _landseg(name, export, options, train_set, labels, held_out, folder: Path) -> Scored:
    started = _cpu_seconds()
    dataset, stats = _dataset(train_set, labels, folder, **export)
    run = folder / f"run-{len(list(folder.glob('run-*')))}"
    train(TrainOptions(data=str(dataset), run_dir=str(run), loader_workers=0, **options))
    scored = _scored(
        name, load(run / "best.pt", device="cpu"), held_out, folder / run.name, started
    )
    scored.note = f"{stats['pixel_size_m']:g} m, {stats['tile_size_px']} px tiles"
    return scored


def _plain_ultralytics(args, train_set, labels, held_out, folder: Path) -> Scored:
    """ultralytics' own training on LandSeg's tiles, with its defaults otherwise."""
    from landseg.offline import import_ultralytics

    started = _cpu_seconds()
    dataset, stats = _dataset(train_set, labels, folder, auto_scale=True)
    import_ultralytics()
    from ultralytics import YOLO

    YOLO(str(DEFAULT_MODEL_PATH)).train(
        data=str(dataset / "data.yaml"),
        epochs=args.epochs,
        imgsz=args.imgsz or stats["tile_size_px"],
        batch=args.batch,
        device="cpu",
        workers=0,
        project=str(folder / "ultralytics"),
        name="run",
        plots=False,
        verbose=False,
    )
    best = folder / "ultralytics" / "run" / "weights" / "best.pt"
    tiling = {
        "tile_size_px": stats["tile_size_px"],
        "overlap_px": stats["overlap_px"],
        "pixel_size_m": stats["pixel_size_m"],
    }
    model = load(best, device="cpu")
    scored = _scored("plain ultralytics", model, held_out, folder / "plain", started, **tiling)
    scored.note = "same tiles, epochs, image size, start weights"
    return scored


def _print(results: list[Scored]) -> None:
    print(f"{'method':<30}{'AP50':>7}{'AP50-95':>9}{'recall':>8}{'area IoU':>10}{'CPU min':>9}")
    for r in results:
        print(
            f"{r.name:<30}{r.ap50:>7.3f}{r.ap50_95:>9.3f}{r.recall:>8.3f}{r.area_iou:>10.3f}"
            f"{r.cpu_minutes:>9.1f}  {r.note}"
        )
    print("parcels found at IoU 0.5, by extent (m across; how many held-out parcels):")
    for r in results:
        shares = ", ".join(
            f"{size}: {share:.0%} of {n}" for size, (n, share) in r.found_by_size.items()
        )
        print(f"  {r.name.strip():<28}{shares}")


if __name__ == "__main__":
    main()
