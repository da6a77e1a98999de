"""The real samples of ``../shared/data`` for benchmarks and the default model's training,
from the repository root: the NAIP fields placed as the tests place them
(tests/own_datasets.py) and split by image, and the roofs of OpenAerialMap and SpaceNet."""

from __future__ import annotations

import sys
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landseg.evaluation.maps import evaluate_map
from landseg.evaluation.matching import candidate_pairs
from landseg.inference.pipeline import segment

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARED_NAIP = SHARED / "naip-fields"
SPLIT_SEED, TRAIN_IMAGES = 0, 20  # NAIP images to train on; the other 10 are held out


def naip_images(folder: Path) -> list:
    """The 30 NAIP images as GeoTIFFs placed as their README says, each with its parcels."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.own_datasets import naip_georeferenced

    return naip_georeferenced(folder, count=30, source=SHARED_NAIP)


def naip_split(folder: Path) -> tuple[list, list]:
    """The NAIP images placed in ``folder`` and split by image: (train, held out)."""
    folder.mkdir(parents=True, exist_ok=True)
    placed = naip_images(folder)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(placed))
    return [placed[i] for i in order[:TRAIN_IMAGES]], [placed[i] for i in order[TRAIN_IMAGES:]]


def oam_roofs(area: str) -> tuple[Path, gpd.GeoDataFrame]:
    """An OpenAerialMap mosaic at 0.3 m (``aoi1`` Zanzibar, ``aoi2`` Kampala) and its OSM
    roofs (EPSG:3857, as the README describes them)."""
    folder = SHARED / "oam-buildings"
    roofs = gpd.read_file(folder / f"{area}_buildings.geojson")
    return folder / f"{area}_z19.tif", roofs.assign(**{"class": "roof"})[["class", "geometry"]]


def spacenet_roofs() -> tuple[Path, gpd.GeoDataFrame]:
    """The SpaceNet Atlanta image (one 16-bit band, 0.5 m) and its 43 building footprints."""
    folder = SHARED / "spacenet-atlanta"
    roofs = gpd.read_file(folder / "buildings.geojson")
    return folder / "ortho_pan_16bit.tif", roofs.assign(**{"class": "roof"})[["class", "geometry"]]


def map_scores(
    model, pairs: list, class_name: str, folder: Path, class_names: list[str], **options
) -> dict[str, float]:
    """Segment each (raster, labels) pair with ``model`` and score ``class_name`` over all of
    them on the map (COCO AP on the polygons, ``evaluate_map``)."""
    folder.mkdir(parents=True, exist_ok=True)
    predictions, labels = [], []
    for k, (raster, truth) in enumerate(pairs):
        out = folder / f"{k}.gpkg"
        segment(raster, out, model=model, overwrite=True, **options)
        predictions.append(gpd.read_file(out, layer="landcover").to_crs("EPSG:4326"))
        labels.append(truth.to_crs("EPSG:4326"))
    predicted, truth = (
        pd.concat(predictions, ignore_index=True),
        pd.concat(labels, ignore_index=True),
    )
    scored = evaluate_map(predicted, truth, class_names=class_names).classes[class_name]
    return {
        "labels": scored.instances,
        "predictions": scored.predictions,
        "recall": scored.recall,
        "ap50": scored.ap50,
        "ap50_95": scored.ap50_95,
        "area_iou": scored.area_iou,
        "found_by_size": found_by_size(
            predicted[predicted["class"] == class_name], truth[truth["class"] == class_name]
        ),
    }


SIZE_EDGES_M = (100, 200, 400)  # the labels' extent (m across) that found_by_size splits at


def found_by_size(predicted: gpd.GeoDataFrame, truth: gpd.GeoDataFrame) -> dict[str, list]:
    """For labels of each extent (the longer side of the bounding box, in metres of a local
    equal-distance projection): [how many, the share that one prediction overlaps at IoU
    ≥ 0.5]. Where a real-imagery model loses objects: small ones, or large ones cut by tiles."""
    local = truth.estimate_utm_crs()
    truth, predicted = truth.to_crs(local), predicted.to_crs(local)
    bounds = truth.geometry.bounds
    extent = np.maximum(bounds.maxx - bounds.minx, bounds.maxy - bounds.miny).to_numpy()
    no_classes = np.zeros(len(predicted), dtype=int), np.zeros(len(truth), dtype=int)
    _, labels_matched, _ = candidate_pairs(  # the pairs at IoU >= 0.5
        predicted.geometry.to_numpy(), no_classes[0], truth.geometry.to_numpy(), no_classes[1]
    )
    found = np.zeros(len(truth), dtype=bool)
    found[labels_matched] = True
    bucket = np.searchsorted(SIZE_EDGES_M, extent, side="right")
    names = [f"< {SIZE_EDGES_M[0]}", *(f"{a}–{b}" for a, b in pairwise(SIZE_EDGES_M))]
    names.append(f"≥ {SIZE_EDGES_M[-1]}")
    shares = {}
    for k, name in enumerate(names):
        inside = bucket == k
        shares[name] = [int(inside.sum()), float(found[inside].mean()) if inside.any() else 0.0]
    return shares
