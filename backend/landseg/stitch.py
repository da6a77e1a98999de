"""Merging instances across tile seams.

Each tile's instances become *pieces* (outlines in raster pixel coordinates). Pieces of the
same class from overlapping tiles are linked when they agree inside the area both tiles saw
(intersection over the smaller of the two, measured in that shared area); linked pieces form
chains across any number of tiles (connected components). Each chain becomes one instance:
the union of its pieces, each cut to the core its tile owns, so every part of an object comes
from the tile that saw it best (farthest from a tile edge).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import box

from landseg.tiling import TileSpec

LINK_THRESHOLD = 0.5


@dataclass
class Piece:
    """One tile's view of an instance, in raster pixel coordinates."""

    tile_index: int
    class_id: int
    score: float
    geometry: shapely.Geometry


@dataclass
class MergedInstance:
    """An instance rebuilt from one or more pieces."""

    class_id: int
    score: float
    geometry: shapely.Geometry
    tile_count: int


def _window_box(spec: TileSpec) -> shapely.Polygon:
    w = spec.window
    return box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)


def _links(pieces: Sequence[Piece], specs: Sequence[TileSpec], threshold: float) -> np.ndarray:
    """Pairs (i, j) of pieces that show the same object from two overlapping tiles."""
    geometries = np.array([p.geometry for p in pieces], dtype=object)
    left, right = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    tiles = np.array([p.tile_index for p in pieces])
    classes = np.array([p.class_id for p in pieces])
    candidate = (left < right) & (tiles[left] != tiles[right]) & (classes[left] == classes[right])
    left, right = left[candidate], right[candidate]
    if left.size == 0:
        return np.empty((0, 2), dtype=int)
    shared = shapely.intersection(
        [_window_box(specs[t]) for t in tiles[left]], [_window_box(specs[t]) for t in tiles[right]]
    )
    seen_left = shapely.area(shapely.intersection(geometries[left], shared))
    seen_right = shapely.area(shapely.intersection(geometries[right], shared))
    overlap = shapely.area(shapely.intersection(geometries[left], geometries[right]))
    smaller = np.minimum(seen_left, seen_right)
    agree = overlap >= threshold * np.where(smaller > 0, smaller, np.inf)
    return np.c_[left[agree], right[agree]]


def merge_pieces(
    pieces: Sequence[Piece], specs: Sequence[TileSpec], *, link_threshold: float = LINK_THRESHOLD
) -> list[MergedInstance]:
    """One instance per object, however many tiles saw it."""
    if not pieces:
        return []
    links = _links(pieces, specs, link_threshold)
    n = len(pieces)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    merged = []
    for group in np.split(
        np.argsort(labels, kind="stable"), np.flatnonzero(np.diff(np.sort(labels))) + 1
    ):
        members = [pieces[i] for i in group]
        cores = [shapely.intersection(p.geometry, box(*specs[p.tile_index].core)) for p in members]
        geometry = shapely.union_all(cores)
        if shapely.area(geometry) == 0:  # only tiles that do not own it saw it: keep their view
            geometry = shapely.union_all([p.geometry for p in members])
        merged.append(
            MergedInstance(
                class_id=members[0].class_id,
                score=max(p.score for p in members),
                geometry=geometry,
                tile_count=len({p.tile_index for p in members}),
            )
        )
    return merged
