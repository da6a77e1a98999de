"""Train LandSeg's shipped default model on synthetic scenes (CPU), and evaluate it on
held-out scenes. Reproduces ``backend/landseg/data/landseg-default-seg.pt``.

Usage: .venv/bin/python scripts/train_default_model.py [--epochs N] [--work DIR]
Writes the run to DIR (default runs/default-model), the model into the package, and prints
held-out per-class metrics as JSON (also saved as DIR/heldout.json).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from landseg.defaults import RESAMPLE_TOLERANCE
from landseg.evaluation.tiles import evaluate_dataset, format_table
from landseg.inference.confidence import Calibration
from landseg.inference.runtimes.model_files import (
    DEFAULT_MODEL_PATH,
    DEFAULT_ONNX_PATH,
    file_sha256,
    read_onnx_info,
)
from landseg.inference.runtimes.onnx_export import export_onnx
from landseg.io.synthetic import CLASS_NAMES, write_scene
from landseg.training.dataset import export_dataset
from landseg.training.options import TrainOptions
from landseg.training.train import train

TRAIN_SEEDS = (100, 101, 102, 103, 104, 105)
HELDOUT_SEEDS = (200, 201)
TILE_PX, OVERLAP_PX = 256, 32


def scenes(work: Path, seeds, *, bits_for=lambda seed: 16 if seed % 3 == 2 else 8):
    return [
        write_scene(
            work / f"scene-{seed}",
            size_px=2048,
            seed=seed,
            bits=bits_for(seed),
            nodata_border_px=32 if seed % 2 else 0,
            overwrite=True,
        )
        for seed in seeds
    ]


def export(
    work: Path,
    name: str,
    seeds,
    val_fraction: float,
    tile_px: int = TILE_PX,
    overlap_px: int = OVERLAP_PX,
) -> Path:
    out = work / name
    for k, scene in enumerate(scenes(work, seeds)):
        part = out / f"part-{k}"
        export_dataset(
            [scene.raster_path],
            scene.labels_path,
            part,
            class_names=CLASS_NAMES,
            tile_size_px=tile_px,
            overlap_px=overlap_px,
            val_fraction=val_fraction,
            seed=k,
            overwrite=True,
        )
    return out


def merge_parts(out: Path, name: str) -> Path:
    """One dataset folder from the per-scene exports (stats from summed counts)."""
    merged = out.parent / name
    shutil.rmtree(merged, ignore_errors=True)
    totals = dict.fromkeys(CLASS_NAMES, 0)
    tiles: dict[str, int] = {}
    stats = None
    pixels: list[tuple[float, int]] = []  # each part's pixel size and tiles
    for part in sorted(out.glob("part-*")):
        for kind in ("images", "labels"):
            for side in ("train", "val"):
                target = merged / kind / side
                target.mkdir(parents=True, exist_ok=True)
                for f in (part / kind / side).iterdir():
                    shutil.copy(f, target / f"{part.name}-{f.name}")
        stats = json.loads((part / "stats.json").read_text())
        for n in CLASS_NAMES:
            totals[n] += stats["instances"][n]
        for key, value in stats["tiles"].items():
            tiles[key] = tiles.get(key, 0) + value
        pixels.append((stats["pixel_size_m"], sum(stats["tiles"].values())))
    from landseg.training.dataset import balanced_class_weights

    assert stats is not None
    all_n = sum(totals.values())
    stats.update(
        instances=totals,
        tiles=tiles,
        ratios={n: round(v / all_n, 4) for n, v in totals.items()},
        class_weights=dict(
            zip(
                CLASS_NAMES,
                (round(w, 4) for w in balanced_class_weights(list(totals.values()))),
                strict=True,
            )
        ),
        sources=[str(p) for p in sorted(out.glob("part-*"))],
        **pixel_sizes(pixels),
    )
    (merged / "stats.json").write_text(json.dumps(stats, indent=2))
    names = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(CLASS_NAMES))
    (merged / "data.yaml").write_text(
        f"path: {json.dumps(str(merged))}\ntrain: images/train\nval: images/val\nnames:\n{names}\n"
    )
    return merged


def pixel_sizes(parts: list[tuple[float, int]]) -> dict:
    """The merged dataset's pixel size (tile-weighted) and, where parts differ, their range."""
    sizes = [size for size, _ in parts]
    mean = sum(size * n for size, n in parts) / max(1, sum(n for _, n in parts))
    spread = max(sizes) > min(sizes) * (1 + RESAMPLE_TOLERANCE)
    return {
        "pixel_size_m": round(mean, 4),
        "pixel_size_range_m": [min(sizes), max(sizes)] if spread else None,
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def map_level_rows(work: Path, model: Path) -> list[str]:
    """Segment a whole held-out scene and score the polygons on the map (COCO semantics)."""
    from landseg.evaluation.maps import evaluate_map
    from landseg.inference.pipeline import segment

    scene = write_scene(work / "map-scene", size_px=2048, seed=HELDOUT_SEEDS[0], overwrite=True)
    output = work / "map-scene" / "landcover.gpkg"
    segment(scene.raster_path, output, model=model, device="cpu", overwrite=True)
    metrics = evaluate_map(output, scene.labels_path).to_dict()
    classes = metrics["classes"]
    overall = metrics["overall"] | {
        "instances": sum(c["instances"] for c in classes.values()),
        "predictions": sum(c["predictions"] for c in classes.values()),
    }
    rows = []
    for name, entry in [*classes.items(), ("all classes", overall)]:
        rows.append(
            f"| {name} | {entry['instances']} | {entry['predictions']} | "
            f"{_pct(entry['precision'])} | {_pct(entry['recall'])} | "
            f"{_pct(entry.get('ap50', entry.get('map50')))} | "
            f"{_pct(entry.get('ap50_95', entry.get('map50_95')))} |"
        )
    return rows


def write_model_card(work: Path, card: Path) -> None:
    """docs/model-card.md from the run record and the held-out evaluations."""
    record = json.loads((work / "run" / "record.json").read_text())
    heldout = json.loads((work / "heldout.json").read_text())
    map_rows = map_level_rows(work, work / "run" / "best.pt")
    args = record["arguments"]
    rows = []
    for name, entry in [*heldout["classes"].items(), ("all classes", heldout["overall"])]:
        box, mask = entry["box"] or {}, entry["mask"] or {}
        rows.append(
            f"| {name} | {entry['instances']} | {_pct(mask.get('precision'))} | "
            f"{_pct(mask.get('recall'))} | {_pct(mask.get('map50'))} | "
            f"{_pct(mask.get('map50_95'))} | {_pct(box.get('map50'))} | "
            f"{_pct(box.get('map50_95'))} |"
        )
    phases = ", ".join(
        f"{p['name']} {p['epochs']} epochs at lr {p['lr0']}" for p in record["phases"]
    )
    seconds = sum(e["time_s"] for e in record["epochs"])
    dataset = record["dataset"]
    facts = {
        "Architecture": "YOLOv8n-seg (3.26 M parameters), trained from scratch",
        "Classes": ", ".join(dataset["class_names"]),
        "Input": f"3-band 8-bit RGB tiles of {args['imgsz']} px; 16-bit rasters are stretched "
        "to the 2nd-98th percentile",
        "Pixel size": f"{dataset['pixel_size_m']} m (rasters at other resolutions are "
        "resampled to it)",
        "Tiling at inference": f"{dataset['tile_size_px']} px tiles, {dataset['overlap_px']} px "
        "overlap (stored in the file)",
        "Training data": f"`landseg.io.synthetic` scenes, seeds {', '.join(map(str, TRAIN_SEEDS))} "
        f"(2048 px, 0.5 m, 8- and 16-bit, some with nodata borders): "
        f"{dataset['tiles'].get('train')} train and {dataset['tiles'].get('val')} validation "
        f"tiles; instances {dataset['instances']}",
        "Class weights": f"balanced, `w = N / (K n_c)`: {record['class_weights']}",
        "Training": f"{phases}; AdamW, batch {args['batch']}, copy-paste {args['copy_paste']}, "
        f"seed {args['seed']}; {seconds / 60:.0f} min on 2 CPU cores",
        "Software": ", ".join(f"{k} {v}" for k, v in record["library_versions"].items()),
        "SHA-256": f"`{file_sha256(DEFAULT_MODEL_PATH)}` (with its calibration)",
        "ONNX export": f"`{DEFAULT_ONNX_PATH.name}` (`landseg export-model`, the same metadata; "
        f"what installs without PyTorch run), SHA-256 `{file_sha256(DEFAULT_ONNX_PATH)}`",
    }
    table = "\n".join(f"| {key} | {value} |" for key, value in facts.items())
    heldout_seeds = ", ".join(map(str, HELDOUT_SEEDS))
    card.write_text(
        "# Model card: LandSeg default model (`landseg-default-seg.pt`)\n\n"
        "**Trained on synthetic imagery only.** This model is meant for the demo and as a "
        "starting point for fine-tuning on your own labelled polygons (`landseg train --model "
        "landseg-default-seg.pt ...`). It has never seen a real orthophoto: do not use its output "
        "on real imagery without fine-tuning and evaluating it there.\n\n"
        f"| | |\n| --- | --- |\n{table}\n\n"
        "## Held-out evaluation\n\n"
        f"Scenes with seeds {heldout_seeds}, never seen in training, cut into the same tiles; "
        "ultralytics validation (`landseg evaluate --model ... --data ...`).\n\n"
        "| Class | Instances | Mask P | Mask R | Mask mAP50 | Mask mAP50-95 | Box mAP50 "
        "| Box mAP50-95 |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n\n## Held-out scene, on the map\n\n"
        f"The whole 2048 px scene of seed {HELDOUT_SEEDS[0]} segmented with `landseg segment` "
        "(tiles, seam merge, polygons) and scored against its labels with `landseg evaluate "
        "--predictions ... --labels ...` (COCO AP on the polygons).\n\n"
        "| Class | Labels | Predictions | Precision | Recall | AP50 | AP50-95 |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(map_rows)
        + calibration_section()
        + "\n\n## Limitations\n\n"
        "- Synthetic imagery only (see above).\n"
        "- The model learnt on 256 px tiles (128 m). Fields larger than a tile are never seen "
        "whole; on the map they are sometimes split into pieces, or joined with a neighbouring "
        "field, which lowers the farm figures above. Fine-tuning on larger tiles "
        "(`landseg export-dataset --tile-size 512`) may help; it has not been tried yet.\n"
        + "\n## Reproduce\n\n```bash\n"
        ".venv/bin/python scripts/train_default_model.py   # about 30 minutes on 2 CPU cores\n"
        ".venv/bin/python scripts/calibrate_default_model.py   # p_correct, about 1 minute\n"
        "```\n\nThe training report (English / 日本語) of this run is "
        "[sample-report.html](sample-report.html).\n"
    )


def calibration_section() -> str:
    """The card's section on the shipped model's ``p_correct``, from the file's calibration."""
    stored = Calibration.from_dict(read_onnx_info(DEFAULT_ONNX_PATH).calibration)
    if stored is None or not stored.held_out:
        return "\n\n## Calibrated confidence\n\nNot calibrated (no `p_correct`)."
    held = stored.held_out
    rows = "\n".join(
        f"| {name} | {c['polygons']} | {'own' if c['own_fit'] else 'pooled'} | "
        f"{c['ece_score']:.3f} | {c['ece_p_correct']:.3f} |"
        for name, c in held["classes"].items()
    )
    return (
        "\n\n## Calibrated confidence (`p_correct`)\n\n"
        f"Fitted on {held['polygons']} polygons ({held['right']} right) of {stored.source}; "
        "expected calibration error (ECE, 10 bins) out of fold (two blocks of scenes, each "
        "judged by the fit on the other). It was fitted on the generator's scenes only: on real "
        "imagery it is not calibrated (see `benchmarks/bench_review.py`); fine-tuning fits a new "
        "one on your validation tiles, or run `landseg calibrate`.\n\n"
        "| Class | Polygons | Fit | ECE of score | ECE of p_correct |\n"
        "| --- | --- | --- | --- | --- |\n"
        f"{rows}\n| all classes | {held['polygons']} | | {held['score']['ece']:.3f} | "
        f"{held['p_correct']['ece']:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--continue-epochs", type=int, default=8)
    parser.add_argument("--work", type=Path, default=Path("runs/default-model"))
    parser.add_argument(
        "--card-only",
        action="store_true",
        help="Only rewrite docs/model-card.md from an existing run.",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="Leave the shipped model and its card as they are (benchmarks).",
    )
    args = parser.parse_args()
    work = args.work.absolute()
    card = Path(__file__).resolve().parents[1] / "docs" / "model-card.md"
    if args.card_only:
        write_model_card(work, card)
        return
    train_data = merge_parts(export(work / "export", "train-parts", TRAIN_SEEDS, 0.2), "train-data")
    heldout = merge_parts(export(work / "export", "heldout-parts", HELDOUT_SEEDS, 0.0), "heldout")
    best = train(
        TrainOptions(
            data=str(train_data),
            run_dir=str(work / "run"),
            base_model="yolov8n-seg.yaml",
            epochs=args.epochs,
            imgsz=TILE_PX,
            batch=16,
            device="cpu",
            lr0=2e-3,
            lrf=0.05,
            copy_paste=0.3,
            continue_epochs=args.continue_epochs,
            continue_lr=5e-5,
            loader_workers=2,
            seed=0,
            patience=100,
        ),
        overwrite=True,
        progress=lambda fraction, message: print(f"[{fraction:6.1%}] {message}", flush=True),
    )
    result = evaluate_dataset(best, heldout, split="train", device="cpu")  # all held out
    (work / "heldout.json").write_text(json.dumps(result, indent=2))
    print(format_table(result))
    if args.no_install:
        return
    DEFAULT_MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, DEFAULT_MODEL_PATH)
    export_onnx(DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH, overwrite=True)  # for installs without torch
    write_model_card(work, card)
    print(f"Default model written to {DEFAULT_MODEL_PATH}, model card to {card}")


if __name__ == "__main__":
    main()
