"""A run's plan: what is read and where (grid, tiles, area, bands, scaling, resampling)."""

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
from landseg.geodesy import (
    local_metric_crs,
    metres_per_unit,
    needs_metric_grid,
    raster_pixel_size_m,
)
from landseg.inference.tiling import TileSpec, tile_grid, validate_tiling
from landseg.io.pixel_space import PixelSpace
from landseg.io.rasters import (
    RasterSource,
    Scaling,
    compute_scaling,
    mosaic_vrt,
    open_raster,
    reprojected_grid,
    scaled_grid,
    select_bands,
)
from landseg.io.vectors import AreaOfInterest, area_of_interest, reproject
from landseg.messages import Message


@dataclass
class Plan:
    """What a run reads and where: the raster on its processing grid, the tiles and the area.

    ``crs`` and ``transform`` are the processing grid's: the raster's own, or a local metric
    grid for a raster whose CRS units are not ground metres; the polygons are written in
    ``output_crs``.
    """

    source: RasterSource
    specs: list[TileSpec]
    bands: list[int]
    scaling: Scaling
    within: Window | None
    region: shapely.Geometry | None
    crs: CRS
    transform: Affine
    output_crs: CRS | None  # None: pixel coordinates (``pixel_space``)
    metres_per_unit: float  # ground metres in one unit of ``crs`` at the raster's centre
    native_pixel_m: float
    pixel_m: float  # the ground size of the pixels the model sees
    grid_note: str  # how the processing grid differs from the raster's, or ""
    tile_size_px: int
    overlap_px: int
    messages: list[str]
    pixel_space: PixelSpace | None = None  # an image without georeference, on a stand-in grid


def make_plan(
    uri: str,
    info: Any,
    *,
    aoi: AreaOfInterest | None,
    bbox: tuple[float, float, float, float] | None,
    pixel_size_m: float | None,
    tile_size_px: int | None,
    overlap_px: int | None,
    bands: Sequence[int] | None,
    output_crs: CRS | None = None,
    pixel_space: PixelSpace | None = None,
) -> Plan:
    """Processing grid, tile size, area, bands, scaling and the tiles to read (for an image in
    ``pixel_space``, ``uri`` is its stand-in, and the polygons are written in pixels)."""
    if tile_size_px is None:
        tile_size_px = info.tile_size_px if info else defaults.TILE_SIZE_PX
    if overlap_px is None:
        overlap_px = info.overlap_px if info else defaults.OVERLAP_PX
    validate_tiling(tile_size_px, overlap_px)
    messages: list[str] = []
    lattice_px = tile_size_px - overlap_px
    with open_raster(uri) as raw:
        raster_crs = CRS.from_user_input(raw.crs)
        asked = _region(aoi, bbox, raster_crs, raw.bounds)
        extent = _extent(raw.bounds, asked)
        source, native_m, pixel_m, note = _processing_grid(
            raw, uri, extent, pixel_size_m, info, lattice_px, messages
        )
    with source.open() as src:
        crs, transform = CRS.from_user_input(src.crs), src.transform
        region = None if asked is None else _in_grid_crs(asked, raster_crs, crs)
        within = None
        if region is not None:
            within = _whole_pixels(from_bounds(*region.bounds, transform=transform)).intersection(
                Window(0, 0, src.width, src.height)
            )
        chosen_bands = _bands(src, bands, info.bands if info else None, messages)
        scaling = compute_scaling(src, chosen_bands, within=within)
        specs = tile_grid(src.width, src.height, tile_size_px, overlap_px, within=within)
    if region is not None:
        specs = _tiles_touching(specs, region, transform)
    left, bottom, right, top = reproject(shapely.box(*extent), raster_crs, crs).bounds
    if pixel_space is not None:
        note = Message("pixel_space.note", pixel_m=f"{pixel_space.pixel_m:g}")
    return Plan(
        source,
        specs,
        chosen_bands,
        scaling,
        within,
        region,
        crs,
        transform,
        None if pixel_space is not None else output_crs or raster_crs,
        metres_per_unit(crs, (left + right) / 2, (bottom + top) / 2),
        native_m,
        pixel_m,
        note,
        tile_size_px,
        overlap_px,
        messages,
        pixel_space,
    )


def _extent(bounds, region: shapely.Geometry | None) -> tuple[float, float, float, float]:
    """The part of the raster that is processed: all of it, or its overlap with the region."""
    if region is None:
        return tuple(bounds)
    return shapely.intersection(shapely.box(*bounds), shapely.box(*region.bounds)).bounds


def _in_grid_crs(region: shapely.Geometry, raster_crs: CRS, crs: CRS) -> shapely.Geometry:
    """The region in the processing grid's CRS, its long edges densified to follow it."""
    if crs == raster_crs:
        return region
    left, bottom, right, top = region.bounds
    dense = shapely.segmentize(region, max(right - left, top - bottom) / 64)
    moved = shapely.make_valid(reproject(dense, raster_crs, crs))
    shapely.prepare(moved)
    return moved


def _processing_grid(
    raw, uri: str, extent, pixel_size_m: float | None, info, lattice_px: int, messages
) -> tuple[RasterSource, float, float, str]:
    """How the raster is read: the source, its native and processed pixel sizes, and a note
    when it is read on a local metric grid (where its CRS's units are not ground metres).

    A local grid's origin lies on a lattice of whole tile steps, so a run over part of the
    raster reads the very pixels and tiles a run over all of it reads there.
    """
    native = raster_pixel_size_m(raw, extent)
    native_m = sum(native) / 2
    wanted_m = _wanted_pixel_m(pixel_size_m, info, native_m, messages)
    raster_crs = CRS.from_user_input(raw.crs)
    if not needs_metric_grid(raster_crs, extent):
        scale = _resampling_scale(native_m, wanted_m, explicit=pixel_size_m is not None)
        grid = scaled_grid(raw, scale) if scale != 1.0 else None
        return RasterSource(uri, grid), native_m, native_m * scale, ""
    local = local_metric_crs(raster_crs, extent)
    pixel_m = wanted_m or native_m
    note = (
        f"The raster's CRS ({raster_crs.name}) does not measure ground metres here (a pixel "
        f"is {native[0]:.3g} m x {native[1]:.3g} m on the ground): segmenting on a local "
        f"metric grid ({local.name}) of {pixel_m:.3g} m pixels, and bringing the polygons "
        "back to the output's CRS."
    )
    grid = reprojected_grid(raw, local, extent, pixel_m, native_m, lattice_m=lattice_px * pixel_m)
    return RasterSource(uri, grid), native_m, pixel_m, note


def _wanted_pixel_m(
    pixel_size_m: float | None, info, native_m: float, messages: list[str]
) -> float | None:
    """The pixel size to segment at: the user's, else the raster's own inside the range the
    model learnt, else the model's; ``None`` when none is known (and, for a model without one,
    a warning)."""
    if pixel_size_m is not None:
        if pixel_size_m <= 0:
            raise InvalidParameterError(Message("plan.pixel_size", pixel_size=pixel_size_m))
        return pixel_size_m
    learnt = getattr(info, "pixel_size_range_m", None) if info else None
    if learnt:
        return min(max(native_m, learnt[0]), learnt[1])
    model_m = getattr(info, "pixel_size_m", None) if info else None
    if info is not None and model_m is None:
        messages.append(Message("plan.no_pixel_size"))
        warnings.warn(messages[-1], LandSegWarning, stacklevel=4)
    return model_m


def _bands(src, chosen, model_bands, messages: list[str]) -> list[int]:
    """The user's bands, else the model's, else (a raster with fewer bands) LandSeg's choice."""
    if chosen or not model_bands or max(model_bands) <= src.count:
        return select_bands(src, chosen or model_bands)
    bands = select_bands(src, None)
    messages.append(
        Message("plan.bands", model_bands=list(model_bands), count=src.count, bands=bands)
    )
    warnings.warn(messages[-1], LandSegWarning, stacklevel=4)
    return bands


def source_uri(raster_path: str | Path | Sequence[str | Path]) -> str:
    """What GDAL opens: the raster itself, or a mosaic VRT of several sheets."""
    if isinstance(raster_path, str | Path):
        return str(raster_path)
    paths = list(raster_path)
    if not paths:
        raise InvalidParameterError(Message("plan.no_raster"))
    return str(paths[0]) if len(paths) == 1 else mosaic_vrt(paths)


def _resampling_scale(native_m: float, wanted_m: float | None, *, explicit: bool) -> float:
    """Target pixel size / native pixel size (1.0: read as is). The user's pixel size is met
    exactly; the model's only when the raster's is more than 10 % off it."""
    if wanted_m is None:
        return 1.0
    if not explicit and abs(wanted_m / native_m - 1.0) <= defaults.RESAMPLE_TOLERANCE:
        return 1.0
    return wanted_m / native_m


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
            raise InvalidParameterError(Message("plan.bbox_empty", bbox=bbox))
        parts.append(shapely.box(x0, y0, x1, y1))
    region = shapely.intersection_all(parts)
    if not region.intersects(shapely.box(*bounds)):
        raise InvalidParameterError(Message("plan.aoi_outside"))
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
