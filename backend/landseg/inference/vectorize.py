"""Masks to polygons, and polygons from raster pixels to clean map geometries."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Geod
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import shapes
from shapely.geometry import MultiPolygon, shape

from landseg.inference.segmenter import TileInstance
from landseg.io.rasters import metres_per_crs_unit
from landseg.io.vectors import polygonal_parts

# A tile at the raster's origin has an identity transform, which rasterio warns about. A filter
# for that one warning of that one module, set once: ``warnings.catch_warnings`` is not
# thread-safe, and outlines are traced on a thread of their own.
warnings.filterwarnings("ignore", category=NotGeoreferencedWarning, module="rasterio.features")


def masks_to_geometries(
    instances: Sequence[TileInstance], valid: np.ndarray, col_off: int, row_off: int
) -> list[MultiPolygon | None]:
    """Outlines (holes kept) of a tile's instance masks, in raster pixel coordinates.

    One raster-to-vector pass per tile: the masks (whole-tile or box-sized) are painted into
    one label image, so where masks overlap the later one wins (pass them in rising score
    order). Pixels outside ``valid`` (nodata, padding) belong to no instance.
    ``col_off``/``row_off`` place the tile's top-left pixel in the raster. An instance left with
    no pixel gets ``None``.
    """
    labels = np.zeros(valid.shape, dtype=np.int32)
    for value, instance in enumerate(instances, start=1):
        height, width = instance.mask.shape
        r0, c0 = instance.row_off, instance.col_off
        labels[r0 : r0 + height, c0 : c0 + width][instance.mask] = value
    labels[~valid] = 0
    rows = np.flatnonzero(labels.any(axis=1))
    if rows.size == 0:
        return [None] * len(instances)
    cols = np.flatnonzero(labels.any(axis=0))
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = np.ascontiguousarray(labels[r0:r1, c0:c1])
    transform = Affine.translation(col_off + c0, row_off + r0)
    parts: dict[int, list] = {}
    for geometry, value in shapes(crop, mask=crop > 0, transform=transform):
        parts.setdefault(int(value), []).append(shape(geometry))
    count = len(instances)
    return [MultiPolygon(parts[v]) if v in parts else None for v in range(1, count + 1)]


def pixels_to_map(geometries: list, transform: Affine) -> np.ndarray:
    """Geometries in raster pixel coordinates to map coordinates."""
    array = np.asarray(geometries, dtype=object)
    return shapely.transform(array, lambda xy: np.c_[transform @ (xy[:, 0], xy[:, 1])])


def metres_to_crs_units(metres: float, crs: CRS, latitude: float = 0.0) -> float:
    """A ground distance in the CRS's units (degrees near ``latitude`` for geographic CRSs)."""
    return metres / metres_per_crs_unit(crs, latitude)


def areas_m2(geometries: np.ndarray, crs: CRS) -> np.ndarray:
    """Ground areas in square metres: planar in projected CRSs, geodesic in geographic ones."""
    if crs.is_geographic:
        geod = Geod(ellps="WGS84")
        return np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in geometries])
    return shapely.area(geometries) * crs.axis_info[0].unit_conversion_factor ** 2


def square_off(geometry: shapely.Geometry, *, min_fill: float = 0.85) -> MultiPolygon:
    """Replace each part by its minimum rotated rectangle when it fills most of it."""
    squared = []
    for part in shapely.get_parts(geometry):
        rectangle = part.minimum_rotated_rectangle
        fill = part.area / rectangle.area if rectangle.area else 0.0
        squared.append(rectangle if fill >= min_fill and not part.interiors else part)
    return MultiPolygon(squared)


def clean(
    geometries: np.ndarray,
    *,
    simplify_tolerance: float,
    square: np.ndarray | None = None,
) -> np.ndarray:
    """Simplify (in CRS units), optionally square off, make valid and keep polygonal parts."""
    simplified = shapely.simplify(geometries, simplify_tolerance, preserve_topology=True)
    if square is not None and square.any():
        simplified[square] = [square_off(g) for g in simplified[square]]
    return polygonal_parts(shapely.make_valid(simplified))
