"""Deterministic stand-in models for exact tests of tiling, stitching and vectorizing."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import rasterio
from pyproj import CRS
from rasterio.features import rasterize

from landseg.geodesy import local_metric_crs, needs_metric_grid
from landseg.inference.segmenter import SegmenterBase, Tile, TileInstance
from landseg.io.synthetic import CLASS_NAMES


class GroundTruthSegmenter(SegmenterBase):
    """Returns, for every tile, the ground-truth masks of the objects it shows.

    Reads the labels once; each tile gets every labelled object that touches it, cut to the
    tile, exactly as a perfect model would see it (on the local metric grid LandSeg reads a
    raster on when its CRS does not measure ground metres).
    """

    def __init__(self, labels_path, raster_path, *, score: float = 0.9) -> None:
        labels = gpd.read_file(labels_path)
        with rasterio.open(raster_path) as src:
            crs = CRS.from_user_input(src.crs)
            if needs_metric_grid(crs, src.bounds):
                crs = local_metric_crs(crs, src.bounds)
            labels = labels.to_crs(crs)
        self.class_names = list(CLASS_NAMES)
        self.geometries = list(labels.geometry)
        self.class_ids = [CLASS_NAMES.index(c) for c in labels["class"]]
        self.score = score
        self.calls = 0

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        self.calls += 1
        out = []
        for tile in tiles:
            shape = tile.image.shape[:2]
            instances = []
            for geometry, class_id in zip(self.geometries, self.class_ids, strict=True):
                mask = rasterize(
                    [geometry], out_shape=shape, transform=tile.transform, dtype="uint8"
                ).astype(bool)
                if mask.any():
                    instances.append(TileInstance(mask, class_id, self.score))
            out.append(instances)
        return out


class EmptySegmenter(SegmenterBase):
    """Finds nothing; counts the tiles it was shown."""

    def __init__(self) -> None:
        self.class_names = list(CLASS_NAMES)
        self.tiles_seen = 0

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        self.tiles_seen += len(tiles)
        return [[] for _ in tiles]


def mask_everything(tile: Tile) -> np.ndarray:
    return np.ones(tile.image.shape[:2], dtype=bool)
