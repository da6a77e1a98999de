"""Masks to polygons, and polygons from raster pixels to clean map geometries."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import shapely
from affine import Affine
from shapely.geometry import MultiPolygon

from landseg.inference.segmenter import TileInstance
from landseg.io.vectors import polygonal_parts


def masks_to_geometries(
    instances: Sequence[TileInstance], valid: np.ndarray, col_off: int, row_off: int
) -> list[MultiPolygon | None]:
    """Outlines (holes kept) of a tile's instance masks, in raster pixel coordinates.

    The masks (whole-tile or box-sized) are painted into one label image, so where masks
    overlap the later one wins (pass them in rising score order). Pixels outside ``valid``
    (nodata, padding) belong to no instance. ``col_off``/``row_off`` place the tile's top-left
    pixel in the raster. An instance left with no pixel gets ``None``.
    """
    labels = np.zeros(valid.shape, dtype=np.int32)
    for value, instance in enumerate(instances, start=1):
        labels[_box(instance)][instance.mask] = value
    if not valid.all():
        labels[~valid] = 0
    traced = [
        _rings(labels[_box(instance)] == value) for value, instance in enumerate(instances, 1)
    ]
    offsets = [(col_off + instance.col_off, row_off + instance.row_off) for instance in instances]
    return _multipolygons(traced, offsets)


def _box(instance: TileInstance) -> tuple[slice, slice]:
    height, width = instance.mask.shape
    return (
        slice(instance.row_off, instance.row_off + height),
        slice(instance.col_off, instance.col_off + width),
    )


def _rings(mask: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The rings around a mask's pixels (their squares' edges, in the mask's pixels) and each
    one's outer ring (-1 for the outer rings themselves).

    OpenCV traces the boundary pixels of the mask enlarged twice: each of them lies just
    inside one corner of an original pixel, so halving its coordinates (with the one pixel of
    padding) gives that corner exactly.
    """
    doubled = cv2.resize(mask.view(np.uint8), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    padded = cv2.copyMakeBorder(doubled, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    contours, hierarchy = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return [], np.empty(0, dtype=int)
    return [contour.reshape(-1, 2) // 2 for contour in contours], hierarchy[0][:, 3]


def _multipolygons(traced: list, offsets: list) -> list[MultiPolygon | None]:
    """One MultiPolygon per mask from its rings (``None`` without any), made in three calls
    for all masks. Pixels that touch only at a corner meet at a vertex: such outlines are
    made valid."""
    coordinates, polygon_index, mask_index, owners = [], [], [], []
    polygons = 0  # made so far
    for owner, ((rings, outer_of), offset) in enumerate(zip(traced, offsets, strict=True)):
        if not rings:
            continue
        outer = outer_of < 0
        # polygons numbered in the order of their outer rings; a hole goes with its outer ring
        polygon_of = (np.cumsum(outer) - 1)[np.where(outer, np.arange(len(rings)), outer_of)]
        order = np.lexsort((~outer, polygon_of))  # each polygon: its outer ring first
        coordinates += [rings[i] + offset for i in order]
        polygon_index.append(polygon_of[order] + polygons)
        mask_index.append(np.full(outer.sum(), len(owners)))
        polygons += outer.sum()
        owners.append(owner)
    outlines: list[MultiPolygon | None] = [None] * len(traced)
    if not owners:
        return outlines
    ring_index = np.repeat(np.arange(len(coordinates)), [len(c) for c in coordinates])
    linear_rings = shapely.linearrings(np.concatenate(coordinates), indices=ring_index)
    parts = shapely.polygons(linear_rings, indices=np.concatenate(polygon_index))
    made = shapely.multipolygons(parts, indices=np.concatenate(mask_index))
    invalid = ~shapely.is_valid(made)
    repaired = shapely.make_valid(made[invalid], method="structure")
    made[invalid] = [MultiPolygon(shapely.get_parts(g)) for g in repaired]
    for owner, outline in zip(owners, made, strict=True):
        outlines[owner] = outline
    return outlines


def pixels_to_map(geometries: list, transform: Affine) -> np.ndarray:
    """Geometries in raster pixel coordinates to map coordinates."""
    array = np.asarray(geometries, dtype=object)
    return shapely.transform(array, lambda xy: np.c_[transform @ (xy[:, 0], xy[:, 1])])


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
