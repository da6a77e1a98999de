"""Merging instances across tile seams.

Each tile's instances become *pieces* (outlines in raster pixel coordinates). Pieces of the
same class from overlapping tiles are linked when either

- they agree inside the area both tiles saw (intersection over the smaller of the two,
  measured in that shared area), or
- cut to the cores their tiles own, they meet along the seam between the two cores over most
  of the length where either reaches it (a large object that a model sees only partly near a
  tile edge still continues across the seam).

Linked pieces form chains across any number of tiles (connected components). Each chain becomes
one instance: the union of its pieces, each cut to the core its tile owns, so every part of an
object comes from the tile that saw it best (farthest from a tile edge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from shapely.geometry import box

from landseg.components import components
from landseg.inference.tiling import TileSpec

LINK_THRESHOLD = 0.5
SEAM_CONTACT_THRESHOLD = 0.5  # share of the shorter reach along the seam that must touch
MIN_SEAM_CONTACT_PX = 3.0
_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class Signals:
    """What a tile's decoding knew of a piece beside its score, for the calibrated confidence
    (``inference.confidence``)."""

    runner_up: float = 0.0  # the best other class's score for the same box
    sharpness: float = float("nan")  # mean |mask logit| inside the box (nan: not known)
    edge_px: float = float("nan")  # from the piece's box to its tile's nearest edge

    def as_tuple(self) -> tuple[float, float, float]:
        """The three values, in the order :class:`Signals` takes them."""
        return self.runner_up, self.sharpness, self.edge_px


@dataclass
class Piece:
    """One tile's view of an instance, in raster pixel coordinates."""

    tile_index: int
    class_id: int
    score: float
    geometry: shapely.Geometry
    signals: Signals = Signals()


@dataclass
class MergedInstance:
    """An instance rebuilt from one or more pieces (how sure: see ``inference.uncertainty``)."""

    class_id: int
    score: float
    geometry: shapely.Geometry
    tile_count: int
    signals: Signals = Signals()  # the best-scored piece's, with the edge farthest of all
    agreement: float = 1.0
    class_margin: float = 1.0
    review_priority: float = 0.0


def _same_class_pairs(
    geometries: np.ndarray, tiles: np.ndarray, classes: np.ndarray, new_from: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of intersecting or touching geometries of one class from two tiles; only
    pairs with a geometry at ``new_from`` or later (the others were looked at before)."""
    new, found = shapely.STRtree(geometries).query(geometries[new_from:], predicate="intersects")
    new += new_from
    left, right = np.minimum(new, found), np.maximum(new, found)
    keep = (tiles[left] != tiles[right]) & (classes[left] == classes[right])
    keep &= (found < new_from) | (new < found)  # each pair once
    return left[keep], right[keep]


def _agree_in_shared_area(
    geometries, tiles, classes, specs, threshold: float, new_from: int, linked: np.ndarray
) -> np.ndarray:
    """Pairs that agree inside the area both tiles saw; pairs already ``linked`` are not looked
    at again (the costly polygon operations go only where they can change a group)."""
    left, right = _same_class_pairs(geometries, tiles, classes, new_from)
    known = np.isin(left * len(geometries) + right, linked @ [len(geometries), 1])
    left, right = left[~known], right[~known]
    windows_left = _per_pair(specs, tiles[left], _window_bounds)
    windows_right = _per_pair(specs, tiles[right], _window_bounds)
    shared = _common_bounds(windows_left, windows_right)
    # Both tiles saw the object only in the shared area: compare them there (a cheap clip to
    # that rectangle first keeps the polygon operations small).
    seen_left = _clip_each(geometries[left], shared)
    seen_right = _clip_each(geometries[right], shared)
    smaller = np.minimum(shapely.area(seen_left), shapely.area(seen_right))
    needed = threshold * np.where(smaller > 0, smaller, np.inf)
    seen_left, seen_right = shapely.make_valid(seen_left), shapely.make_valid(seen_right)
    # Most pairs are two views of one object: their bounding boxes already prove that they
    # overlap enough, and only the others need the polygon intersection.
    agree = _least_overlap(seen_left, seen_right) >= needed
    rest = np.flatnonzero(~agree)
    overlap = shapely.area(shapely.intersection(seen_left[rest], seen_right[rest]))
    agree[rest] = overlap >= needed[rest]
    return np.c_[left[agree], right[agree]]


def _least_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A lower bound of each pair's overlap area: their union lies in the union of their
    bounding boxes, so they overlap by at least their areas minus that union's area."""
    box_a, box_b = shapely.bounds(a), shapely.bounds(b)
    boxes_union = _box_area(box_a) + _box_area(box_b) - _box_area(_common_bounds(box_a, box_b))
    return shapely.area(a) + shapely.area(b) - boxes_union


def _common_bounds(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersections of N x 4 bounds (inverted where a pair does not meet)."""
    return np.c_[np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])]


def _box_area(bounds: np.ndarray) -> np.ndarray:
    """Areas of N x 4 bounds (0 where empty or inverted)."""
    return np.clip(bounds[:, 2] - bounds[:, 0], 0, None) * np.clip(
        bounds[:, 3] - bounds[:, 1], 0, None
    )


def _per_pair(specs: Sequence[TileSpec], tiles: np.ndarray, bounds) -> np.ndarray:
    """``bounds(spec)`` of the given tiles, as an N x 4 array (only the tiles that are needed)."""
    return np.array([bounds(specs[t]) for t in tiles], dtype=float).reshape(-1, 4)


def _window_bounds(spec: TileSpec) -> tuple[float, float, float, float]:
    w = spec.window
    return w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height


def _clip_each(geometries: np.ndarray, rectangles: np.ndarray) -> np.ndarray:
    """Each geometry cut to its rectangle; empty where the rectangle has no area (tiles that
    only touch, as without overlap, share no area)."""
    return np.array(
        [
            shapely.clip_by_rect(g, *r) if r[0] < r[2] and r[1] < r[3] else _EMPTY
            for g, r in zip(geometries, rectangles, strict=True)
        ],
        dtype=object,
    ).reshape(-1)


def _meet_at_seam(cores, tiles, classes, specs, threshold: float, new_from: int = 0) -> np.ndarray:
    """Pairs whose core parts touch along the seam between their tiles' cores."""
    left, right = _same_class_pairs(cores, tiles, classes, new_from)
    seam = shapely.intersection(
        shapely.boundary(shapely.box(*_per_pair(specs, tiles[left], _core_bounds).T)),
        shapely.boundary(shapely.box(*_per_pair(specs, tiles[right], _core_bounds).T)),
    )
    reach_left = shapely.length(shapely.intersection(shapely.boundary(cores[left]), seam))
    reach_right = shapely.length(shapely.intersection(shapely.boundary(cores[right]), seam))
    contact = shapely.length(
        shapely.intersection(shapely.boundary(cores[left]), shapely.boundary(cores[right]))
    )
    shorter = np.minimum(reach_left, reach_right)
    # A piece whose whole reach along the seam is in contact links even if that reach is short
    # (an object's corner cut off by two seams of tiles without overlap).
    enough = np.minimum(MIN_SEAM_CONTACT_PX, shorter)
    meet = (contact >= enough) & (contact > 0) & (contact >= threshold * shorter)
    return np.c_[left[meet], right[meet]]


def _core_bounds(spec: TileSpec) -> tuple[int, int, int, int]:
    return spec.core


def _core_parts(pieces: Sequence[Piece], specs: Sequence[TileSpec]) -> np.ndarray:
    """Each piece cut to its tile's core (most pieces lie inside it and are kept as they are)."""
    parts = np.array([p.geometry for p in pieces], dtype=object)
    bounds = shapely.bounds(parts)
    cores = np.array([specs[p.tile_index].core for p in pieces], dtype=float).reshape(-1, 4)
    crossing = np.flatnonzero(
        (bounds[:, 0] < cores[:, 0])
        | (bounds[:, 1] < cores[:, 1])
        | (bounds[:, 2] > cores[:, 2])
        | (bounds[:, 3] > cores[:, 3])
    )
    parts[crossing] = shapely.intersection(parts[crossing], shapely.box(*cores[crossing].T))
    return parts


def _links(
    pieces: Sequence[Piece],
    specs: Sequence[TileSpec],
    cores: np.ndarray,
    threshold: float,
    new_from: int = 0,
) -> np.ndarray:
    """Pairs (i, j) of pieces that show the same object from two overlapping tiles (only the
    pairs with a piece at ``new_from`` or later)."""
    geometries = np.array([p.geometry for p in pieces], dtype=object)
    tiles = np.array([p.tile_index for p in pieces])
    classes = np.array([p.class_id for p in pieces])
    meet = _meet_at_seam(cores, tiles, classes, specs, SEAM_CONTACT_THRESHOLD, new_from)
    agree = _agree_in_shared_area(geometries, tiles, classes, specs, threshold, new_from, meet)
    return np.vstack([meet, agree])


def merge_pieces(
    pieces: Sequence[Piece], specs: Sequence[TileSpec], *, link_threshold: float = LINK_THRESHOLD
) -> list[MergedInstance]:
    """One instance per object, however many tiles saw it (all pieces at once)."""
    if not pieces:
        return []
    cores = _core_parts(pieces, specs)
    groups = _groups(pieces, specs, cores, link_threshold)
    return [_merged(group, pieces, cores) for group in groups]


def _groups(
    pieces: Sequence[Piece], specs: Sequence[TileSpec], cores: np.ndarray, threshold: float
) -> list[np.ndarray]:
    """Indices of linked pieces, one array per object, ordered by their first piece."""
    links = _links(pieces, specs, cores, threshold)
    return components(len(pieces), links[:, 0], links[:, 1])


def _merged(group: np.ndarray, pieces: Sequence[Piece], cores: np.ndarray) -> MergedInstance:
    """One object from its linked pieces: the union of their core parts."""
    members = [pieces[i] for i in group]
    geometry = cores[group[0]] if len(group) == 1 else shapely.union_all(cores[group])
    if shapely.area(geometry) == 0:  # only tiles that do not own it saw it: keep their view
        geometry = shapely.union_all([p.geometry for p in members])
    best = max(members, key=lambda p: p.score)
    edge = max((p.signals.edge_px for p in members), default=float("nan"))
    return MergedInstance(
        class_id=members[0].class_id,
        score=best.score,
        geometry=geometry,
        tile_count=len({p.tile_index for p in members}),
        signals=replace(best.signals, edge_px=edge),
    )


def merge_inside(
    pieces: Sequence[Piece], specs: Sequence[TileSpec], *, margin_px: float
) -> tuple[list[MergedInstance], list[Piece]]:
    """Merge what is final inside a block of tiles (a Dask chunk); keep the rest as pieces.

    A group is final inside the block when it lies within the cores of the block's tiles,
    ``margin_px`` (the tiles' overlap) away from the block's edge: no tile outside the block
    can reach it. The other groups' pieces are returned for the merge across blocks.

    Args:
        pieces: The block's pieces; ``tile_index`` is the spec's ``index``.
        specs: The block's tiles.
        margin_px: How far a neighbouring block's tiles reach into this block's cores.
    """
    if not pieces:
        return [], []
    position = {spec.index: i for i, spec in enumerate(specs)}
    local_specs = [replace(spec, index=i) for i, spec in enumerate(specs)]
    local = [replace(piece, tile_index=position[piece.tile_index]) for piece in pieces]
    cores = _core_parts(local, local_specs)
    inner = shapely.union_all([box(*spec.core) for spec in specs]).buffer(
        -(margin_px + 1), join_style="mitre"
    )
    bounds = shapely.bounds(np.array([p.geometry for p in pieces], dtype=object))
    final, border = [], []
    for group in _groups(local, local_specs, cores, LINK_THRESHOLD):
        x0, y0 = bounds[group, :2].min(0)
        x1, y1 = bounds[group, 2:].max(0)
        if inner.contains(box(x0, y0, x1, y1)):
            final.append(_merged(group, local, cores))
        else:
            border.extend(pieces[i] for i in group)
    return final, border


class StreamingMerge:
    """Merges pieces while tiles arrive in row order, keeping only the open ones in memory.

    A group of linked pieces is final once no tile still to come can touch it: all its pieces
    lie above the first pixel row that a tile still to come covers (pieces link only where they
    intersect or touch). Memory then holds about one row of tiles' pieces, whatever the
    raster's size. The instances are those :func:`merge_pieces` gives for all pieces at once,
    in an order that does not depend on how the pieces were batched.
    """

    def __init__(
        self,
        specs: Sequence[TileSpec],
        *,
        link_threshold: float = LINK_THRESHOLD,
        assess: Callable[[MergedInstance, list[Piece], list[Piece]], None] | None = None,
    ) -> None:
        self.specs = specs
        self.link_threshold = link_threshold
        self.assess = assess  # called with each final instance, its pieces and its rivals
        self.open: list[Piece] = []
        self.frontier = -np.inf
        # cores and links of the open pieces looked at so far (the first ``_seen``)
        self._seen = 0
        self._cores = np.empty(0, dtype=object)
        self._links = np.empty((0, 2), dtype=int)
        self.row_starts = np.unique([spec.window.row_off for spec in specs])

    def add(self, pieces: Sequence[Piece], frontier_row: float) -> list[MergedInstance]:
        """Take new pieces; return the instances that became final.

        Args:
            pieces: Pieces of the tiles read since the last call, in tile order.
            frontier_row: The first pixel row a tile still to come covers (``inf`` at the end).
        """
        self.open.extend(pieces)
        if frontier_row <= self.frontier or not self.open:
            return []
        self.frontier = frontier_row
        cores, links = self._cores_and_links()
        geometries = np.array([p.geometry for p in self.open], dtype=object)
        bottoms = shapely.bounds(geometries)[:, 3]
        tree = shapely.STRtree(geometries) if self.assess is not None else None
        final, still_open = [], []
        for group in components(len(self.open), links[:, 0], links[:, 1]):
            bottom = bottoms[group].max()
            if bottom < frontier_row:
                # the row of tiles after which it is final, then its first piece: an order
                # that does not depend on how the tiles were batched (or on a resume)
                band = int(np.searchsorted(self.row_starts, bottom, side="right"))
                instance = _merged(group, self.open, cores)
                if self.assess is not None:
                    members = [self.open[i] for i in group]
                    self.assess(instance, members, self._rivals(instance, tree))
                final.append((band, group[0], instance))
            else:
                still_open.extend(group.tolist())
        self._keep_open(sorted(still_open), cores, links)
        return [instance for _, _, instance in sorted(final, key=lambda item: item[:2])]

    def _cores_and_links(self) -> tuple[np.ndarray, np.ndarray]:
        """Cores and links of all open pieces, computing them only for pieces not seen yet."""
        new = self.open[self._seen :]
        if new:
            cores = np.concatenate([self._cores, _core_parts(new, self.specs)])
            found = _links(self.open, self.specs, cores, self.link_threshold, self._seen)
            self._cores, self._links = cores, np.vstack([self._links, found])
            self._seen = len(self.open)
        return self._cores, self._links

    def _keep_open(self, indices: list[int], cores: np.ndarray, links: np.ndarray) -> None:
        """Keep only the open pieces at ``indices`` (whole groups), with their cores and links."""
        renumber = np.full(len(self.open), -1)
        renumber[indices] = np.arange(len(indices))
        links = renumber[links]
        self._links = links[links[:, 0] >= 0]
        self._cores = cores[indices]
        self.open = [self.open[i] for i in indices]
        self._seen = len(self.open)

    def finish(self) -> list[MergedInstance]:
        """The instances still open once every tile has been read."""
        return self.add([], np.inf)

    def _rivals(self, instance: MergedInstance, tree: shapely.STRtree) -> list[Piece]:
        """Open pieces of other classes whose area overlaps ``instance``."""
        hits = tree.query(instance.geometry, predicate="intersects")
        return [
            self.open[i]
            for i in hits
            if self.open[i].class_id != instance.class_id
            and shapely.area(shapely.intersection(self.open[i].geometry, instance.geometry)) > 0
        ]
