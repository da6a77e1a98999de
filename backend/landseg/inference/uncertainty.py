"""How sure the model was of each object, read from the tiles that saw it, and where to look.

The seam merge sees every object from each tile whose window covers it. Where those views
disagree, where the score is low, or where another class claims the same place, the model is
unsure — that is where a person's minutes are worth most.

- ``agreement``: for every tile whose window covers part of the object (4 px or more), the IoU
  of that tile's view of the object with the merged object, both cut to the tile's window; the
  mean over those tiles, weighted by the part each covers. 1 where one tile saw it whole (or
  all views agree); 0 for a tile that saw nothing where the others saw the object.
- ``class_margin``: 1 when no piece of another class overlaps the object; else how far the
  object's score stands above the best such piece's, relative to its own score (0: a tie).
- ``review_priority``: with a calibrated model, 1 - ``p_correct`` — the chance that a look
  finds a mistake. Every polygon costs a reviewer about one look, whatever its size, so the
  ranking that finds the most mistakes per look is by that chance alone (weighting by area
  would spend the first looks on large fields that are rarely wrong). Without a calibration,
  1 - (score x agreement x class_margin) ** (1/3): 0 when the model is sure on all three
  counts, towards 1 when it is unsure on any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from landseg.inference.stitch import MergedInstance, Piece
from landseg.inference.tiling import TileSpec
from landseg.io.vectors import polygonal_parts

MIN_VIEW_PX = 4.0  # a window that covers less of an object does not count as a view
GRID = 0.01  # px: overlays snapped to this grid, robust where outlines meet exactly
LOW_SCORE = 0.5
DISAGREEMENT = 0.7
CONFLICT = 0.5


@dataclass
class ReviewItem:
    """A place worth a look, in raster pixel coordinates."""

    geometry: shapely.Geometry
    class_id: int
    score: float
    priority: float
    reason: str


def _window(spec: TileSpec) -> shapely.Polygon:
    w = spec.window
    return shapely.box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)


class Assessor:
    """Agreement, class margin and review priority of merged objects, and review items."""

    def __init__(
        self,
        specs: Sequence[TileSpec],
        p_correct: Callable[[MergedInstance], float] | None = None,
    ) -> None:
        self.windows = np.array([_window(spec) for spec in specs], dtype=object)
        self.tree = shapely.STRtree(self.windows)
        self.p_correct = p_correct  # a calibrated model's probability that an object is right

    def assess(
        self, merged: MergedInstance, members: Sequence[Piece], competitors: Sequence[Piece]
    ) -> list[ReviewItem]:
        """Set ``merged``'s uncertainty fields; the review items the object gives."""
        agreement, missed = self._agreement(merged.geometry, members)
        best_other = max((p.score for p in competitors), default=0.0)
        margin = 1.0 if not competitors else max(0.0, merged.score - best_other) / merged.score
        if self.p_correct is not None:
            priority = 1.0 - self.p_correct(merged)
        else:
            priority = 1.0 - (merged.score * agreement * margin) ** (1 / 3)
        merged.agreement, merged.class_margin, merged.review_priority = agreement, margin, priority
        reasons = [
            reason
            for reason, unsure in (
                ("low score", merged.score < LOW_SCORE),
                ("tiles disagree", agreement < DISAGREEMENT),
                ("class conflict", margin < CONFLICT),
            )
            if unsure
        ]
        items = []
        if reasons:
            reason = ", ".join(reasons)
            items.append(
                ReviewItem(merged.geometry, merged.class_id, merged.score, priority, reason)
            )
        items += [
            ReviewItem(area, merged.class_id, merged.score, priority, "missed in one view")
            for area in missed
        ]
        return items

    def _agreement(
        self, outline: shapely.Geometry, members: Sequence[Piece]
    ) -> tuple[float, list[shapely.Geometry]]:
        """The area-weighted IoU of the tiles' views, and the parts a tile did not see."""
        outline = _polygonal(outline)
        tiles = self.tree.query(outline, predicate="intersects")
        views: dict[int, list] = {}
        for piece in members:
            views.setdefault(piece.tile_index, []).append(piece.geometry)
        weights, scores, missed = [], [], []
        for tile in tiles:
            window = self.windows[tile]
            part = _polygonal(shapely.intersection(outline, window, grid_size=GRID))
            if shapely.area(part) < MIN_VIEW_PX:
                continue
            view = _polygonal(shapely.union_all(views.get(int(tile), []), grid_size=GRID))
            seen = _polygonal(shapely.intersection(view, window, grid_size=GRID))
            union = shapely.area(shapely.union(part, seen, grid_size=GRID))
            common = shapely.area(shapely.intersection(part, seen, grid_size=GRID))
            scores.append(common / union if union else 1.0)
            weights.append(shapely.area(part))
            if shapely.is_empty(seen):
                missed.append(part)
        if not weights:
            return 1.0, []
        return float(np.average(scores, weights=weights)), missed


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Only the polygons of an overlay's result (touching edges give lines and points)."""
    return polygonal_parts(np.array([geometry], dtype=object))[0]


def below_threshold_items(
    pieces: Sequence[Piece], kept: Sequence[Piece], specs: Sequence[TileSpec]
) -> list[ReviewItem]:
    """Possible missed objects: pieces under the confidence threshold where no kept piece of the
    same tile lies, cut to their tile's core so that no place is listed twice."""
    items = []
    for piece in pieces:
        core = shapely.box(*specs[piece.tile_index].core)
        part = _polygonal(shapely.intersection(piece.geometry, core, grid_size=GRID))
        if shapely.area(part) < MIN_VIEW_PX:
            continue
        same_tile = [k.geometry for k in kept if k.tile_index == piece.tile_index]
        if same_tile and shapely.intersects(part, shapely.union_all(same_tile)):
            continue
        priority = 0.5 + 0.5 * piece.score  # the surer the model almost was, the earlier
        items.append(ReviewItem(part, piece.class_id, piece.score, priority, "below threshold"))
    return items
