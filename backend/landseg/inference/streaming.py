"""A local run that writes while it reads: tiles → pieces → final instances → polygons → file.

Tiles come in row order; after each batch the instances that no tile still to come can touch
are merged, turned into map polygons and appended to the output with a checkpoint, then
forgotten. Memory holds about one row of tiles' pieces, whatever the raster's size or the
number of objects; a run stopped at any point can be resumed from its last checkpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from landseg.inference.pieces import pieces_by_batch
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import MergedInstance, Piece, StreamingMerge
from landseg.inference.tiling import TileSpec
from landseg.inference.uncertainty import Assessor, ReviewItem, below_threshold_items
from landseg.io.streamed import Checkpoint, StreamedLayer

Polygons = Callable[[list[MergedInstance]], gpd.GeoDataFrame]


class Review:
    """A run's review: objects assessed while they merge, items gathered for the review layer."""

    def __init__(self, specs: Sequence[TileSpec], conf: float, items_frame: Callable) -> None:
        self.assessor = Assessor(specs)
        self.conf = conf
        self.items: list[ReviewItem] = []
        self._items_frame = items_frame  # review items to the review layer's rows

    def assess(self, instance: MergedInstance, members, rivals) -> None:
        self.items += self.assessor.assess(instance, members, rivals)

    def keep(self, pieces: Sequence[Piece], specs: Sequence[TileSpec]) -> list[Piece]:
        """The pieces at or above the confidence threshold; the others become review items."""
        kept = [piece for piece in pieces if piece.score >= self.conf]
        below = [piece for piece in pieces if piece.score < self.conf]
        self.items += below_threshold_items(below, kept, specs)
        return kept

    def items_frame(self) -> gpd.GeoDataFrame:
        """The items gathered since the last call, as rows of the review layer."""
        items, self.items = self.items, []
        return self._items_frame(items)


@dataclass
class StreamStats:
    """What a streamed run did, and where its time went."""

    tiles_run: int
    forward_s: float | None
    merge_s: float
    write_s: float


def piece_state(piece: Piece) -> dict:
    """A piece as plain values, for a checkpoint."""
    return {
        "tile": piece.tile_index,
        "class_id": piece.class_id,
        "score": piece.score,
        "wkb": shapely.to_wkb(piece.geometry, hex=True),
    }


def piece_from_state(state: dict) -> Piece:
    """The piece a checkpoint recorded."""
    return Piece(state["tile"], state["class_id"], state["score"], shapely.from_wkb(state["wkb"]))


def frontier_row(specs: Sequence[TileSpec], done: int) -> float:
    """The first pixel row that a tile still to come covers."""
    return float(specs[done].window.row_off) if done < len(specs) else np.inf


def stream(
    plan,
    segmenter: Segmenter,
    layer: StreamedLayer,
    checkpoint: Checkpoint,
    *,
    polygons: Polygons,
    batch_size: int,
    report: Callable[[float, str], None],
    should_stop: Callable[[], bool],
    skip_unreadable: bool,
    review: Review | None = None,
) -> StreamStats:
    """Segment the plan's tiles from ``checkpoint`` on, writing final polygons as they come.

    With ``review``, every object gets its uncertainty and the review items go to the output's
    review layer; pieces under ``review.conf`` only become possible missed objects.
    """
    specs = plan.specs
    merger = StreamingMerge(specs, assess=review.assess if review else None)
    merger.open = [piece_from_state(state) for state in checkpoint.open_pieces]
    forward_before = getattr(segmenter, "forward_seconds", None)
    merge_s = write_s = 0.0
    started, first_done = time.perf_counter(), checkpoint.tiles_done
    for part in pieces_by_batch(
        plan.source,
        specs[checkpoint.tiles_done :],
        plan.bands,
        plan.scaling,
        segmenter,
        batch_size=batch_size,
        should_stop=should_stop,
        within=plan.within,
        skip_unreadable=skip_unreadable,
    ):
        checkpoint.tiles_done += part.consumed
        checkpoint.tiles_run += part.tiles_run
        checkpoint.skipped_tiles += part.skipped
        mark = time.perf_counter()
        kept = review.keep(part.pieces, specs) if review else part.pieces
        final = merger.add(kept, frontier_row(specs, checkpoint.tiles_done))
        frame = polygons(final)
        merge_s += time.perf_counter() - mark
        mark = time.perf_counter()
        checkpoint.open_pieces = [piece_state(piece) for piece in merger.open]
        layer.append(frame, checkpoint, review.items_frame() if review else None)
        write_s += time.perf_counter() - mark
        report(*_progress(checkpoint, len(specs), first_done, time.perf_counter() - started))
    mark = time.perf_counter()
    frame = polygons(merger.finish())
    checkpoint.open_pieces = []
    layer.append(frame, checkpoint, review.items_frame() if review else None)
    write_s += time.perf_counter() - mark
    forward_after = getattr(segmenter, "forward_seconds", None)
    forward_s = None if forward_before is None else forward_after - forward_before
    return StreamStats(checkpoint.tiles_run, forward_s, merge_s, write_s)


def _progress(checkpoint: Checkpoint, total: int, first_done: int, elapsed: float):
    """Fraction done, and where the run is: tiles, objects, speed, time left."""
    done = checkpoint.tiles_done
    rate = (done - first_done) / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate > 0 else float("nan")
    eta = f"{left / 60:.0f} min" if left >= 120 else f"{left:.0f} s"
    message = (
        f"{done}/{total} tiles, {checkpoint.features} objects, {rate:.1f} tiles/s, "
        f"{'ETA ' + eta if np.isfinite(left) else 'estimating time left'}"
    )
    return 0.95 * done / max(total, 1), message
