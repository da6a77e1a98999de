"""A run's plan: what is read and where (tiles, area, bands, scaling, resampling)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import shapely
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window, from_bounds

from landseg import defaults
from landseg.errors import InvalidParameterError, LandSegWarning
from landseg.inference.tiling import TileSpec, tile_grid, validate_tiling
from landseg.io.rasters import (
    RasterSource,
    Scaling,
    compute_scaling,
    mosaic_vrt,
    select_bands,
)
from landseg.io.vectors import AreaOfInterest, area_of_interest

RESAMPLE_TOLERANCE = 0.10  # pixel sizes closer than this to the model's are used as they are


@dataclass
class Plan:
    """What a run reads and where: the raster, its tiles and the area, in the raster's CRS."""

    source: RasterSource
    specs: list[TileSpec]
    bands: list[int]
    scaling: Scaling
    within: Window | None
    region: shapely.Geometry | None
    crs: CRS
    transform: Affine
    centre_latitude: float
    native_pixel_m: float
    tile_size_px: int
    overlap_px: int
    messages: list[str]


def make_plan(
    uri: str,
    native_pixel_m: float,
    info: Any,
    *,
    aoi: AreaOfInterest | None,
    bbox: tuple[float, float, float, float] | None,
    pixel_size_m: float | None,
    tile_size_px: int | None,
    overlap_px: int | None,
    bands: Sequence[int] | None,
) -> Plan:
    """Tile size, resampling, area, bands, scaling and the tiles to read."""
    if tile_size_px is None:
        tile_size_px = info.tile_size_px if info else defaults.TILE_SIZE_PX
    if overlap_px is None:
        overlap_px = info.overlap_px if info else defaults.OVERLAP_PX
    validate_tiling(tile_size_px, overlap_px)
    messages: list[str] = []
    source = RasterSource(uri, _resampling_scale(native_pixel_m, pixel_size_m, info, messages))
    with source.open() as src:
        crs, transform = CRS.from_user_input(src.crs), src.transform
        region = _region(aoi, bbox, crs, src.bounds)
        within = None
        if region is not None:
            within = _whole_pixels(from_bounds(*region.bounds, transform=transform)).intersection(
                Window(0, 0, src.width, src.height)
            )
        chosen_bands = _bands(src, bands, info.bands if info else None, messages)
        scaling = compute_scaling(src, chosen_bands, within=within)
        specs = tile_grid(src.width, src.height, tile_size_px, overlap_px, within=within)
        centre_latitude = _centre_latitude(src)
    if region is not None:
        specs = _tiles_touching(specs, region, transform)
    return Plan(
        source,
        specs,
        chosen_bands,
        scaling,
        within,
        region,
        crs,
        transform,
        centre_latitude,
        native_pixel_m,
        tile_size_px,
        overlap_px,
        messages,
    )


def _bands(src, chosen, model_bands, messages: list[str]) -> list[int]:
    """The user's bands, else the model's, else (a raster with fewer bands) LandSeg's choice."""
    if chosen or not model_bands or max(model_bands) <= src.count:
        return select_bands(src, chosen or model_bands)
    bands = select_bands(src, None)
    messages.append(
        f"The model learnt on bands {list(model_bands)}, but the raster has {src.count} "
        f"band(s): using bands {bands} (choose others with --bands)."
    )
    warnings.warn(messages[-1], LandSegWarning, stacklevel=4)
    return bands


def source_uri(raster_path: str | Path | Sequence[str | Path]) -> str:
    """What GDAL opens: the raster itself, or a mosaic VRT of several sheets."""
    if isinstance(raster_path, str | Path):
        return str(raster_path)
    paths = list(raster_path)
    if not paths:
        raise InvalidParameterError("No raster was given: name one raster or several sheets.")
    return str(paths[0]) if len(paths) == 1 else mosaic_vrt(paths)


def _resampling_scale(native_m: float, wanted_m: float | None, info, messages: list[str]) -> float:
    """Target pixel size / native pixel size (1.0: read as is)."""
    if wanted_m is not None:
        if wanted_m <= 0:
            raise InvalidParameterError(f"Pixel size {wanted_m} m must be positive.")
        return wanted_m / native_m
    model_m = getattr(info, "pixel_size_m", None) if info else None
    if info is not None and model_m is None:
        messages.append(
            "The model records no training pixel size: the raster is segmented at its own "
            "resolution. Give --pixel-size if it learnt at another one."
        )
        warnings.warn(messages[-1], LandSegWarning, stacklevel=3)
        return 1.0
    if model_m is None or abs(model_m / native_m - 1.0) <= RESAMPLE_TOLERANCE:
        return 1.0
    return model_m / native_m


def _region(aoi, bbox, crs: CRS, bounds) -> shapely.Geometry | None:
    """The area to segment in the raster's CRS, checked against the raster's extent."""
    if aoi is None and bbox is None:
        return None
    parts = []
    if aoi is not None:
        parts.append(area_of_interest(aoi, crs, crs))
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        if not (x0 < x1 and y0 < y1):
            raise InvalidParameterError(
                f"Bounding box {bbox} is empty: give min_x,min_y,max_x,max_y with min < max."
            )
        parts.append(shapely.box(x0, y0, x1, y1))
    region = shapely.intersection_all(parts)
    if not region.intersects(shapely.box(*bounds)):
        raise InvalidParameterError(
            "The area of interest does not overlap the raster: check that it covers the "
            "raster's extent (and its CRS)."
        )
    return region


def _whole_pixels(window: Window) -> Window:
    """The smallest window of whole pixels that holds ``window``."""
    col0, row0 = math.floor(window.col_off), math.floor(window.row_off)
    col1 = math.ceil(window.col_off + window.width)
    row1 = math.ceil(window.row_off + window.height)
    return Window(col0, row0, col1 - col0, row1 - row0)


def _tiles_touching(specs: list[TileSpec], region, transform) -> list[TileSpec]:
    """The tiles that touch ``region``, numbered again from 0.

    ``merge_pieces`` finds a piece's tile by position (``specs[piece.tile_index]``), so the
    kept tiles' indices must be their positions in the returned list.
    """
    inverse = ~transform
    matrix = [inverse.a, inverse.b, inverse.d, inverse.e, inverse.xoff, inverse.yoff]
    pixel_region = shapely.affinity.affine_transform(region, matrix)
    shapely.prepare(pixel_region)
    kept = [s for s in specs if pixel_region.intersects(_window_box(s))]
    return [replace(s, index=i) for i, s in enumerate(kept)]


def _window_box(spec: TileSpec) -> shapely.Polygon:
    w = spec.window
    return shapely.box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)


def _centre_latitude(src) -> float:
    if not src.crs.is_geographic:
        return 0.0
    return (src.bounds.bottom + src.bounds.top) / 2
