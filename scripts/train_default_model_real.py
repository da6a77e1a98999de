"""Fine-tune LandSeg's synthetic-only default model on real imagery beside the synthetic scenes,
and score the result and its predecessor on held-out real and synthetic images. Reproduces the
shipped ``backend/landseg/data/landseg-default-seg.pt`` from the previous one
(``models/landseg-default-seg-0.1-synthetic.pt``, made by ``scripts/train_default_model.py``).

Usage: .venv/bin/python scripts/train_default_model_real.py [--epochs N] [--work DIR]
       [--no-install]

Training data: the synthetic scenes of ``train_default_model.py`` (0.5 m), 20 of the 30 NAIP
images (1 m, their parcels as ``farm``; the split of ``benchmarks/bench_real.py``) and the
Zanzibar OpenAerialMap mosaic (``aoi1``, its OSM outlines as ``roof``, read at 0.5 m). Held
out, never trained on: the other 10 NAIP images, the Kampala mosaic (``aoi2``), the SpaceNet
Atlanta image and the synthetic seeds of ``train_default_model.py``. The model learns rasters
of 0.5 m to 1 m pixels and reads a raster inside that range at its own pixels. Scores go to
DIR/real.json; the model is installed only where it is better on the real images.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from real_data import map_scores, naip_split, oam_roofs, spacenet_roofs  # noqa: E402
from train_default_model import (  # noqa: E402
    HELDOUT_SEEDS,
    OVERLAP_PX,
    TILE_PX,
    TRAIN_SEEDS,
    export,
    merge_parts,
    write_model_card,
)

from landseg.evaluation.maps import evaluate_map  # noqa: E402
from landseg.evaluation.tiles import evaluate_dataset  # noqa: E402
from landseg.inference.pipeline import segment  # noqa: E402
from landseg.inference.runtimes.loading import load  # noqa: E402
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH  # noqa: E402
from landseg.inference.runtimes.onnx_export import export_onnx  # noqa: E402
from landseg.io.synthetic import CLASS_NAMES, write_scene  # noqa: E402
from landseg.training.dataset import export_dataset  # noqa: E402
from landseg.training.options import TrainOptions  # noqa: E402
from landseg.training.train import train  # noqa: E402

PREVIOUS_MODEL = ROOT / "models" / "landseg-default-seg-0.1-synthetic.pt"
SYNTHETIC_MAP_SEEDS = (0, 200, 201)  # the demo's scene and the held-out scenes


def real_parts(work: Path) -> tuple[Path, list]:
    """Export the real training images beside the synthetic parts; the held-out NAIP images."""
    parts = work / "export" / "train-parts"
    naip_train, naip_held_out = naip_split(work / "naip")
    fields = work / "naip-train-parcels.gpkg"
    pd.concat([p.to_crs("EPSG:4326") for _, p in naip_train], ignore_index=True).to_file(fields)
    common = dict(class_names=CLASS_NAMES, tile_size_px=TILE_PX, overlap_px=OVERLAP_PX)
    export_dataset(
        [r for r, _ in naip_train], fields, parts / "part-naip", **common, overwrite=True
    )
    mosaic, roofs = oam_roofs("aoi1")
    roofs.to_file(work / "oam-aoi1-roofs.gpkg")
    export_dataset(
        [mosaic],
        work / "oam-aoi1-roofs.gpkg",
        parts / "part-oam",
        **common,
        pixel_size_m=0.5,
        overwrite=True,
    )
    return parts, naip_held_out


def held_out_real(work: Path, naip_held_out: list) -> dict[str, tuple[list, str]]:
    """Each held-out real source: its (raster, labels) pairs and the class it scores."""
    return {
        "NAIP fields (10 images)": (naip_held_out, "farm"),
        "OpenAerialMap roofs, Kampala": ([oam_roofs("aoi2")], "roof"),
        "SpaceNet roofs, Atlanta": ([spacenet_roofs()], "roof"),
    }


def synthetic_scores(model, work: Path) -> dict[str, dict[str, float]]:
    """Map-level AP50 and AP50-95 of every class on the demo's and the held-out scenes."""
    frames, labels = [], []
    for seed in SYNTHETIC_MAP_SEEDS:
        scene = write_scene(work / f"synthetic-{seed}", size_px=2048, seed=seed, overwrite=True)
        out = work / f"synthetic-{seed}" / f"{id(model)}.gpkg"
        segment(scene.raster_path, out, model=model, overwrite=True)
        frames.append(gpd.read_file(out, layer="landcover").to_crs("EPSG:4326"))
        labels.append(gpd.read_file(scene.labels_path).to_crs("EPSG:4326"))
    metrics = evaluate_map(
        pd.concat(frames, ignore_index=True),
        pd.concat(labels, ignore_index=True),
        class_names=CLASS_NAMES,
    )
    return {
        name: {"ap50": entry.ap50, "ap50_95": entry.ap50_95}
        for name, entry in metrics.classes.items()
    }


def score(models: dict[str, Path], work: Path, naip_held_out: list) -> dict:
    """Both models on the held-out real sources and the synthetic scenes."""
    scores: dict = {"real": {}, "synthetic": {}}
    for name, path in models.items():
        model = load(path, device="cpu")
        for source, (pairs, class_name) in held_out_real(work, naip_held_out).items():
            folder = work / "scored" / name / source.split()[0]
            scores["real"].setdefault(source, {})[name] = map_scores(
                model, pairs, class_name, folder, CLASS_NAMES
            )
        scores["synthetic"][name] = synthetic_scores(model, work)
    return scores


def better(scores: dict) -> bool:
    """The new model finds more on every real source and keeps 90 % of its synthetic figures."""
    real = all(s["new"]["ap50"] > s["previous"]["ap50"] for s in scores["real"].values())
    old, new = scores["synthetic"]["previous"], scores["synthetic"]["new"]
    kept = all(new[c][key] >= 0.9 * old[c][key] for c in CLASS_NAMES for key in ("ap50", "ap50_95"))
    return real and kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--work", type=Path, default=Path("runs/default-model"))
    parser.add_argument("--no-install", action="store_true", help="Score only.")
    args = parser.parse_args()
    work = args.work.absolute()
    export(work / "export", "train-parts", TRAIN_SEEDS, 0.2)
    merge_parts(export(work / "export", "heldout-parts", HELDOUT_SEEDS, 1.0), "heldout")
    parts, naip_held_out = real_parts(work)
    data = merge_parts(parts, "real-train-data")
    best = train(
        TrainOptions(
            data=str(data),
            run_dir=str(work / "real-run"),
            base_model=str(PREVIOUS_MODEL),
            epochs=args.epochs,
            imgsz=TILE_PX,
            batch=16,
            device="cpu",
            loader_workers=2,
            seed=0,
            patience=100,
        ),
        overwrite=True,
        progress=lambda fraction, message: print(f"[{fraction:6.1%}] {message}", flush=True),
    )
    scores = score({"previous": PREVIOUS_MODEL, "new": best}, work, naip_held_out)
    scores["tiles"] = evaluate_dataset(best, work / "export" / "heldout", device="cpu")
    (work / "real.json").write_text(json.dumps(scores, indent=2))
    print(json.dumps({k: scores[k] for k in ("real", "synthetic")}, indent=2))
    if args.no_install or not better(scores):
        print("Not installed (--no-install, or not better on the real images)")
        return
    shutil.copyfile(best, DEFAULT_MODEL_PATH)
    export_onnx(DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH, overwrite=True)
    write_model_card(work, ROOT / "docs" / "model-card.md")
    print(f"Default model written to {DEFAULT_MODEL_PATH}; now run calibrate_default_model.py")


if __name__ == "__main__":
    main()
