"""How large the labelled objects are against the tiles they are cut into, and the pixel and
tile size at which most of them are seen whole.

A model learns an object whole only from a tile that holds it whole. Tiles of ``T`` pixels
step by ``s = T - overlap``; along one axis, an object ``e`` pixels long lies wholly inside
some tile for a share ``clip((T - e) / s, 0, 1)`` of its possible positions, and across both
axes for the product. The mean over the labelled objects is the share of them the dataset
shows whole. Coarser pixels shrink large objects into the tile but make small ones vanish: a
candidate may not leave more objects under :data:`SMALLEST_PX` than the raster's own size does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS

from landseg import defaults
from landseg.errors import InvalidParameterError
from landseg.geodesy import raster_pixel_size_m, utm_code
from landseg.io.rasters import open_raster, resampled, with_crs
from landseg.messages import Message

if TYPE_CHECKING:
    import geopandas as gpd

SCALES = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)  # pixel sizes tried, as multiples of the raster's
TILE_SIZES = (256, 320, 384, 448, 512, 640)  # tile sizes tried (multiples of 32)
WHOLE_TARGET = 0.5  # a suggestion wants most objects seen whole (an object much larger than
# the tiles' overlap is wholly inside some tile only at some positions: 90 % would ask for
# pixels so coarse that the objects' outlines blur)
SMALLEST_PX = 8  # objects narrower than this many pixels are too small to learn
SMALL_SLACK = 0.02  # how many more objects than at the raster's size may become too small
ANISOTROPY_TOLERANCE = 0.05  # ground pixels whose width and height differ more are refused


@dataclass(frozen=True)
class SizeFit:
    """One pixel size and tile size, and how the labelled objects fit them."""

    pixel_size_m: float
    tile_size_px: int
    overlap_px: int
    seen_whole: float  # the share of objects some tile shows whole
    too_small: float  # the share of objects narrower than SMALLEST_PX


@dataclass(frozen=True)
class ObjectSizes:
    """The labelled objects' extents in metres, and how they fit the tiles used and suggested."""

    count: int
    extent_m: dict[str, float]  # the longer side of each object's bounding box: p10, p50, p90
    used: SizeFit
    suggested: SizeFit

    def to_dict(self) -> dict:
        """As ``stats.json`` holds it."""
        return asdict(self)


def seen_whole(extents_px: np.ndarray, tile_px: int, overlap_px: int) -> float:
    """The mean share of positions at which some tile holds an object of ``extents_px`` (one
    row of width and height per object) whole."""
    if not len(extents_px):
        return 1.0
    fits = np.clip((tile_px - extents_px) / (tile_px - overlap_px), 0.0, 1.0)
    return float(np.mean(fits[:, 0] * fits[:, 1]))


def size_fit(extents_m: np.ndarray, pixel_m: float, tile_px: int, overlap_px: int) -> SizeFit:
    """How objects of ``extents_m`` (metres, width and height per row) fit these tiles."""
    extents_px = extents_m / pixel_m
    small = float(np.mean(extents_px.min(axis=1) < SMALLEST_PX)) if len(extents_px) else 0.0
    whole = seen_whole(extents_px, tile_px, overlap_px)
    return SizeFit(round(pixel_m, 4), tile_px, overlap_px, round(whole, 4), round(small, 4))


def object_sizes(
    extents_m: np.ndarray, pixel_m: float, tile_px: int, overlap_px: int
) -> ObjectSizes:
    """The objects' sizes, their fit at ``pixel_m`` and ``tile_px``, and the suggested fit.

    The suggestion is the first candidate that shows :data:`WHOLE_TARGET` of the objects whole
    without making more of them too small; without one, the candidate that shows the most
    whole. Candidates keep the raster's pixels as long as a larger tile will do (a tile's
    size hardly changes the work per square metre, coarser pixels lose detail), then coarsen.
    The overlap keeps its share of the tile.
    """
    extents_m = np.asarray(extents_m, dtype=float).reshape(-1, 2)
    used = size_fit(extents_m, pixel_m, tile_px, overlap_px)
    candidates = [
        size_fit(extents_m, pixel_m * scale, size, _overlap(size, tile_px, overlap_px))
        for scale in SCALES
        for size in TILE_SIZES
    ]
    allowed = [c for c in candidates if c.too_small <= used.too_small + SMALL_SLACK] or [used]
    reaching = [c for c in allowed if c.seen_whole >= WHOLE_TARGET]
    best = max(allowed, key=lambda c: c.seen_whole)
    suggested = used if used.seen_whole >= WHOLE_TARGET else (reaching or [best])[0]
    longer = extents_m.max(axis=1) if len(extents_m) else np.zeros(1)
    percentiles = np.percentile(longer, [10, 50, 90])
    extent = {f"p{p}": round(float(v), 1) for p, v in zip((10, 50, 90), percentiles, strict=True)}
    return ObjectSizes(len(extents_m), extent, used, suggested)


def _overlap(size: int, tile_px: int, overlap_px: int) -> int:
    """The overlap of a ``size`` tile with the share of the tile ``overlap_px`` has of
    ``tile_px``, in whole multiples of 32 pixels, and less than half the tile (as tiling
    requires)."""
    scaled = int(round(size * overlap_px / tile_px / 32) * 32)
    return min(scaled, (size // 2 - 1) // 32 * 32)


@dataclass(frozen=True)
class Resolution:
    """The pixel and tile size an export cuts its tiles at, and how the objects fit them."""

    pixel_size_m: float | None  # None: each raster's own pixels
    tile_size_px: int
    overlap_px: int
    sizes: ObjectSizes
    sources: list[str]  # each raster as it is read: resampled to pixel_size_m
    auto_scale: bool
    native_m: list[float]  # each raster's own pixel size


def label_extents_m(labels: gpd.GeoDataFrame, sources: Sequence[str]) -> np.ndarray:
    """Width and height in ground metres of each labelled polygon over ``sources`` (rasters
    as :func:`~landseg.io.rasters.open_raster` opens them), measured in each one's pixels."""
    extents = []
    for source in sources:
        with open_raster(source) as src:
            width_m, height_m = raster_pixel_size_m(src)
            local = labels.to_crs(src.crs).cx[
                src.bounds.left : src.bounds.right, src.bounds.bottom : src.bounds.top
            ]
            x0, y0, x1, y1 = shapely.bounds(np.asarray(local.geometry.array, dtype=object)).T
            res_x, res_y = src.res
            extents.append(np.stack([(x1 - x0) / res_x * width_m, (y1 - y0) / res_y * height_m], 1))
    return np.concatenate(extents) if extents else np.zeros((0, 2))


def choose_resolution(
    labels: gpd.GeoDataFrame,
    sources: Sequence[str],
    native_m: Sequence[float],
    *,
    pixel_size_m: float | None,
    tile_size_px: int,
    overlap_px: int,
    auto_scale: bool,
) -> Resolution:
    """The resolution asked for, or with ``auto_scale`` the one the objects suggest, for
    ``sources`` (rasters as they are opened) whose own pixels are ``native_m``."""
    extents = label_extents_m(labels, sources)
    base_m = pixel_size_m or float(np.mean(native_m))
    sizes = object_sizes(extents, base_m, tile_size_px, overlap_px)
    if auto_scale:
        chosen = sizes.suggested
        pixel_size_m, tile_size_px, overlap_px = (
            chosen.pixel_size_m,
            chosen.tile_size_px,
            chosen.overlap_px,
        )
        sizes = object_sizes(extents, pixel_size_m, tile_size_px, overlap_px)
    read = [
        resampled(uri, (pixel_size_m or n) / n) for uri, n in zip(sources, native_m, strict=True)
    ]
    return Resolution(
        pixel_size_m, tile_size_px, overlap_px, sizes, read, auto_scale, list(native_m)
    )


def square_pixel_m(raster, crs: str | None) -> float:
    """The raster's ground pixel size; refused where pixels are far from square on the
    ground (a geographic CRS), which would teach the model squashed shapes."""
    with open_raster(with_crs(str(raster), crs)) as src:
        width, height = raster_pixel_size_m(src)
        if abs(width / height - 1) <= ANISOTROPY_TOLERANCE:
            return (width + height) / 2
        utm, side = utm_code(CRS.from_user_input(src.crs), src.bounds), f"{min(width, height):.3g}"
    raise InvalidParameterError(
        Message(
            "dataset.squashed_pixels",
            raster=raster,
            width=format(width, ".3g"),
            height=format(height, ".3g"),
            utm=utm,
            side=side,
        )
    )


def pixel_size_range(pixel_sizes: list[float]) -> list[float] | None:
    """[finest, coarsest] pixel size of a dataset's rasters where they differ by more than
    segmenting resamples for; ``None`` for one resolution."""
    if not pixel_sizes or max(pixel_sizes) <= min(pixel_sizes) * (1 + defaults.RESAMPLE_TOLERANCE):
        return None
    return [round(float(min(pixel_sizes)), 4), round(float(max(pixel_sizes)), 4)]


def size_notes(resolution: Resolution) -> list[Message]:
    """A suggestion where most labelled objects are never seen whole at the asked resolution."""
    used, better = resolution.sizes.used, resolution.sizes.suggested
    if resolution.auto_scale or used.seen_whole >= WHOLE_TARGET:
        return []
    if better.seen_whole <= used.seen_whole:
        return []
    return [
        Message(
            "dataset.sizes_suggestion",
            whole=f"{used.seen_whole:.0%}",
            pixel=f"{used.pixel_size_m:g}",
            tile=used.tile_size_px,
            better=f"{better.seen_whole:.0%}",
            better_pixel=f"{better.pixel_size_m:g}",
            better_tile=better.tile_size_px,
            better_overlap=better.overlap_px,
        )
    ]
