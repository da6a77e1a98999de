"""Time map-level evaluation against pycocotools on the same polygons.

Labels are a jittered grid of small squares (4 classes); predictions are perturbed copies
(shifted and resized, 5 % dropped, 5 % duplicated, 3 % false positives, 4 % class swaps,
random scores). ``evaluate_map`` runs on the whole map at once (and also computes the area
metrics, which pycocotools does not).

pycocotools gets the same polygons as COCO polygon segmentations (rasterized by its own
``frPyObjects`` at 0.1 m per pixel inside ``COCOeval``). Its IoU matrix is dense per image, so
a single 50k-object image is out of reach (25k x 25k IoUs per class); the map is therefore cut
into square tiles of ``--tile-cells`` grid cells, each object going to the tile holding its
centroid. That spares pycocotools any spatial search, so it is the favourable case for it;
of the tile sizes tried (4, 8, 16 cells), 4 was fastest for it, hence the default.
Building the COCO dictionaries is not timed; index creation, ``loadRes``, ``evaluate`` and
``accumulate`` are.

Usage: .venv/bin/python benchmarks/bench_map_metrics.py [--side 224] [--tile-cells 4]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from landseg.evaluation.maps import evaluate_map

CLASSES = ("roof", "farm", "rice-fields", "Baren-Land")
CELL_M = 6.0
PIXEL_M = 0.1
X0, Y0 = 500000.0, 4650000.0


def make_layers(side: int, seed: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    n = side * side
    ix, iy = np.divmod(np.arange(n), side)
    cx = X0 + (ix + 0.5) * CELL_M + rng.uniform(-0.5, 0.5, n)
    cy = Y0 + (iy + 0.5) * CELL_M + rng.uniform(-0.5, 0.5, n)
    half = rng.uniform(1.5, 2.25, n)
    labels = gpd.GeoDataFrame(
        {"class": rng.choice(CLASSES, n)},
        geometry=shapely.box(cx - half, cy - half, cx + half, cy + half),
        crs="EPSG:32654",
    )
    keep = rng.random(n) > 0.05
    dup = keep & (rng.random(n) < 0.05)
    src = np.r_[np.flatnonzero(keep), np.flatnonzero(dup)]
    m = len(src)
    px = cx[src] + rng.uniform(-0.6, 0.6, m)
    py = cy[src] + rng.uniform(-0.6, 0.6, m)
    ph = half[src] * rng.uniform(0.8, 1.2, m)
    classes = labels["class"].to_numpy()[src].copy()
    swap = rng.random(m) < 0.04
    classes[swap] = rng.choice(CLASSES, int(swap.sum()))
    n_false = int(0.03 * n)
    fx = X0 + rng.uniform(0, side * CELL_M, n_false)
    fy = Y0 + rng.uniform(0, side * CELL_M, n_false)
    fh = rng.uniform(1.0, 2.0, n_false)
    predictions = gpd.GeoDataFrame(
        {
            "class": np.r_[classes, rng.choice(CLASSES, n_false)],
            "score": rng.uniform(0.01, 1.0, m + n_false),
        },
        geometry=shapely.box(
            np.r_[px - ph, fx - fh],
            np.r_[py - ph, fy - fh],
            np.r_[px + ph, fx + fh],
            np.r_[py + ph, fy + fh],
        ),
        crs="EPSG:32654",
    )
    return labels, predictions


def coco_inputs(
    labels: gpd.GeoDataFrame, predictions: gpd.GeoDataFrame, side: int, tile_cells: int
) -> tuple[dict, list[dict]]:
    """COCO ground truth and detections with polygon segmentations in tile pixels."""
    tile_m = tile_cells * CELL_M
    tiles_per_row = -(-side // tile_cells)
    size_px = round(tile_m / PIXEL_M)
    category = {name: i + 1 for i, name in enumerate(CLASSES)}

    def annotations(frame: gpd.GeoDataFrame) -> list[dict]:
        centroids = shapely.get_coordinates(frame.geometry.centroid.to_numpy())
        col = np.clip(((centroids[:, 0] - X0) // tile_m).astype(int), 0, tiles_per_row - 1)
        row = np.clip(((centroids[:, 1] - Y0) // tile_m).astype(int), 0, tiles_per_row - 1)
        tile_x0, tile_y1 = X0 + col * tile_m, Y0 + (row + 1) * tile_m
        out = []
        for i, geometry in enumerate(frame.geometry):
            ring = np.asarray(geometry.exterior.coords)[:-1]
            xs = (ring[:, 0] - tile_x0[i]) / PIXEL_M
            ys = (tile_y1[i] - ring[:, 1]) / PIXEL_M
            x_min, y_min = float(xs.min()), float(ys.min())
            out.append(
                {
                    "image_id": int(row[i] * tiles_per_row + col[i] + 1),
                    "category_id": category[frame["class"].iat[i]],
                    "segmentation": [np.c_[xs, ys].ravel().tolist()],
                    "bbox": [x_min, y_min, float(xs.max()) - x_min, float(ys.max()) - y_min],
                }
            )
        return out

    gt = annotations(labels)
    for i, ann in enumerate(gt):
        ann.update(id=i + 1, iscrowd=0, area=ann["bbox"][2] * ann["bbox"][3])
    dt = annotations(predictions)
    for ann, score in zip(dt, predictions["score"], strict=True):
        ann["score"] = float(score)
    images = [{"id": i + 1, "width": size_px, "height": size_px} for i in range(tiles_per_row**2)]
    categories = [{"id": i, "name": n} for n, i in category.items()]
    return {"images": images, "annotations": gt, "categories": categories}, dt


def run_pycocotools(dataset: dict, detections: list[dict]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth = COCO()
        ground_truth.dataset = dataset
        ground_truth.createIndex()
        evaluation = COCOeval(ground_truth, ground_truth.loadRes(detections), iouType="segm")
        evaluation.params.maxDets = [1_000_000]
        evaluation.params.areaRng = [[0, 1e10]]
        evaluation.params.areaRngLbl = ["all"]
        evaluation.evaluate()
        evaluation.accumulate()
    seconds = time.perf_counter() - start
    precision = evaluation.eval["precision"][:, :, :, 0, 0]
    return seconds, np.array([precision[:, :, k].mean() for k in range(len(CLASSES))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=224, help="grid cells per side")
    parser.add_argument("--tile-cells", type=int, default=4, help="pycocotools tile, in cells")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    labels, predictions = make_layers(args.side, args.seed)
    print(f"{len(labels)} labels, {len(predictions)} predictions, 4 classes")

    start = time.perf_counter()
    metrics = evaluate_map(predictions, labels)
    ours_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        labels.to_file(Path(folder) / "labels.gpkg")
        predictions.to_file(Path(folder) / "predictions.gpkg")
        start = time.perf_counter()
        evaluate_map(Path(folder) / "predictions.gpkg", Path(folder) / "labels.gpkg")
        ours_files_s = time.perf_counter() - start

    dataset, detections = coco_inputs(labels, predictions, args.side, args.tile_cells)
    coco_s, coco_ap = run_pycocotools(dataset, detections)
    ours_ap = np.array([metrics.classes[name].ap50_95 for name in CLASSES])
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tiles = len(dataset["images"])
    print(f"evaluate_map (GeoDataFrames, instance + area metrics): {ours_s:8.2f} s")
    print(f"evaluate_map (GeoPackage files, reading included):    {ours_files_s:8.2f} s")
    print(
        f"pycocotools segm, polygons via frPyObjects at {PIXEL_M} m/px, {tiles} tiles of "
        f"{args.tile_cells}x{args.tile_cells} cells: {coco_s:8.2f} s"
    )
    print(f"ratio pycocotools / evaluate_map: {coco_s / ours_s:.1f}x")
    print(
        "AP50-95 per class, ours vs pycocotools: "
        + ", ".join(
            f"{n} {a:.4f}/{b:.4f}" for n, a, b in zip(CLASSES, ours_ap, coco_ap, strict=True)
        )
    )
    print(f"max |difference| {np.abs(ours_ap - coco_ap).max():.4f}; peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
