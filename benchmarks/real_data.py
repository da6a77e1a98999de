"""The real samples of ``../shared/data`` for benchmarks and the default model's training,
from the repository root: the NAIP fields placed as the tests place them
(tests/own_datasets.py) and split by image, and the roofs of OpenAerialMap and SpaceNet."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from landseg.evaluation.maps import evaluate_map
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
    metrics = evaluate_map(
        pd.concat(predictions, ignore_index=True),
        pd.concat(labels, ignore_index=True),
        class_names=class_names,
    )
    scored = metrics.classes[class_name]
    return {
        "labels": scored.instances,
        "predictions": scored.predictions,
        "recall": scored.recall,
        "ap50": scored.ap50,
        "ap50_95": scored.ap50_95,
        "area_iou": scored.area_iou,
    }
