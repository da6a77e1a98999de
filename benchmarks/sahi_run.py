"""SAHI's sliced prediction over a whole raster, as a SAHI user runs it; the comparison in
``bench_segment.py``. Run as a script it is one whole SAHI process (imports included):

    .venv/bin/python benchmarks/sahi_run.py RASTER MODEL TILE OVERLAP

It imports nothing of LandSeg, so the process costs what SAHI costs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely


def sahi_frame(raster: Path, model: Path, tile: int, overlap: int) -> gpd.GeoDataFrame:
    """SAHI's instances over the whole raster (held in memory, as SAHI needs), as map polygons."""
    from sahi import AutoDetectionModel
    from sahi.predict import get_sliced_prediction

    with rasterio.open(raster) as src:
        image = np.moveaxis(src.read(), 0, -1)
        transform, crs = src.transform, src.crs
    detector = AutoDetectionModel.from_pretrained(
        model_type="ultralytics",
        model_path=str(model),
        confidence_threshold=0.25,
        device="cpu",
        image_size=tile,
    )
    prediction = get_sliced_prediction(
        image,
        detector,
        slice_height=tile,
        slice_width=tile,
        overlap_height_ratio=overlap / tile,
        overlap_width_ratio=overlap / tile,
        perform_standard_pred=False,
        postprocess_type="GREEDYNMM",
        postprocess_match_metric="IOS",
        postprocess_match_threshold=0.5,
        verbose=0,
    )
    matrix = [transform.a, transform.b, transform.d, transform.e, transform.xoff, transform.yoff]
    rows = []
    for item in prediction.object_prediction_list:
        parts = [
            shapely.Polygon(np.reshape(ring, (-1, 2)))
            for ring in item.mask.segmentation
            if len(ring) >= 6
        ]
        geometry = shapely.make_valid(shapely.MultiPolygon([p for p in parts if p.is_valid]))
        rows.append(
            (
                item.category.name,
                item.score.value,
                shapely.affinity.affine_transform(geometry, matrix),
            )
        )
    return gpd.GeoDataFrame(
        {"class": [r[0] for r in rows], "score": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=crs,
    )


if __name__ == "__main__":
    raster_path, model_path, tile_px, overlap_px = sys.argv[1:5]
    sahi_frame(Path(raster_path), Path(model_path), int(tile_px), int(overlap_px))
