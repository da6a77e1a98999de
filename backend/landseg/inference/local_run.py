"""A local run that writes while it reads: tiles → pieces → final instances → polygons → file.

Tiles come in row order; after each batch the instances that no tile still to come can touch
are merged, turned into map polygons and appended to the output with a checkpoint, then
forgotten. Memory holds about one row of tiles' pieces, whatever the raster's size or the
number of objects; a run stopped at any point can be resumed from its last checkpoint.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from landseg.inference.pieces import TilePieces, pieces_by_batch
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import MergedInstance, Piece, Signals, StreamingMerge
from landseg.inference.tiling import TileSpec
from landseg.inference.uncertainty import Assessor, ReviewItem, below_threshold_items
from landseg.io.features import Features
from landseg.io.work_file import Checkpoint, WorkFile
from landseg.messages import Message

Polygons = Callable[[list[MergedInstance]], Features]
APPEND_FEATURES = 1000  # polygons gathered before an append to the output ...
APPEND_SECONDS = 10.0  # ... or seconds since the last one (a checkpoint goes with each)


class Review:
    """A run's review: objects assessed while they merge, items gathered for the review layer."""

    def __init__(
        self,
        specs: Sequence[TileSpec],
        conf: float,
        items_frame: Callable,
        p_correct: Callable[[MergedInstance], float] | None = None,
    ) -> None:
        self.assessor = Assessor(specs, p_correct)
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

    def items_frame(self) -> Features:
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
        "signals": list(piece.signals.as_tuple()),
    }


def piece_from_state(state: dict) -> Piece:
    """The piece a checkpoint recorded."""
    geometry = shapely.from_wkb(state["wkb"])
    signals = Signals(*state.get("signals", ()))  # a checkpoint of an older run has none
    return Piece(state["tile"], state["class_id"], state["score"], geometry, signals)


def frontier_row(specs: Sequence[TileSpec], done: int) -> float:
    """The first pixel row that a tile still to come covers."""
    return float(specs[done].window.row_off) if done < len(specs) else np.inf


def stream(
    plan,
    segmenter: Segmenter,
    layer: WorkFile,
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
    forward_before = segmenter.forward_seconds
    started, first_done = time.perf_counter(), checkpoint.tiles_done
    with _BatchWriter(merger, polygons, layer, checkpoint, review) as writer:
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
            writer.submit(part)
            elapsed = time.perf_counter() - started
            objects = checkpoint.features + writer.objects_gathered()
            report(*_progress(checkpoint, objects, len(specs), first_done, elapsed))
        writer.finish()
    forward_after = segmenter.forward_seconds
    forward_s = (
        None if forward_before is None or forward_after is None else forward_after - forward_before
    )
    return StreamStats(checkpoint.tiles_run, forward_s, writer.merge_s, writer.write_s)


class _BatchWriter:
    """Merges and vectorises each batch on a thread of its own, in order, while the model works
    on the next batches (GEOS and GDAL release the GIL), and appends the polygons to the output
    a thousand or so at a time (each append opens and syncs the file)."""

    def __init__(self, merger, polygons, layer, checkpoint, review) -> None:
        self.merger, self.polygons, self.layer = merger, polygons, layer
        self.checkpoint, self.review = checkpoint, review
        self.merge_s = self.write_s = 0.0
        self.pending: deque[Future] = deque()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landseg-write")
        self.pending.append(self.pool.submit(layer.create, checkpoint))  # while tiles are read
        self.frames: list[Features] = []  # final polygons not yet appended
        self.reviews: list[Features] = []
        self.appended_at = time.perf_counter()

    def __enter__(self) -> _BatchWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, part: TilePieces) -> None:
        """Queue a batch; at most two wait, so memory stays bounded."""
        self.pending.append(self.pool.submit(self._take, part))
        while len(self.pending) > 2:
            self.pending.popleft().result()

    def finish(self) -> None:
        """Write every queued batch, then the instances still open."""
        while self.pending:
            self.pending.popleft().result()
        self.pool.submit(self._write, self.merger.finish, last=True).result()

    def objects_gathered(self) -> int:
        """Final polygons not yet appended to the output."""
        return sum(len(frame) for frame in list(self.frames))

    def _take(self, part: TilePieces) -> None:
        checkpoint, specs = self.checkpoint, self.merger.specs
        checkpoint.advance(part.consumed, part.tiles_run, part.skipped)
        kept = self.review.keep(part.pieces, specs) if self.review else part.pieces
        frontier = frontier_row(specs, checkpoint.tiles_done)
        self._write(lambda: self.merger.add(kept, frontier))

    def _write(self, merge: Callable[[], list[MergedInstance]], *, last: bool = False) -> None:
        mark = time.perf_counter()
        self.frames.append(self.polygons(merge()))
        if self.review:
            self.reviews.append(self.review.items_frame())
        self.merge_s += time.perf_counter() - mark
        gathered = sum(len(part) for part in self.frames + self.reviews)
        if last or gathered >= APPEND_FEATURES or mark - self.appended_at >= APPEND_SECONDS:
            self._append()

    def _append(self) -> None:
        """Append the gathered polygons (and review items), with a checkpoint of this point."""
        mark = time.perf_counter()
        if self.layer.checkpoints:  # what a resumed run needs of the read front
            self.checkpoint.open_pieces = [piece_state(piece) for piece in self.merger.open]
        review = Features.concat(self.reviews) if self.review else None
        self.layer.append(Features.concat(self.frames), self.checkpoint, review)
        self.frames, self.reviews = [], []
        self.appended_at = time.perf_counter()
        self.write_s += self.appended_at - mark


def _progress(checkpoint: Checkpoint, objects: int, total: int, first_done: int, elapsed: float):
    """Fraction done, and where the run is: tiles, ``objects`` so far, speed, time left."""
    done = checkpoint.tiles_done
    rate = (done - first_done) / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate > 0 else float("nan")
    counts = {"done": done, "total": total, "objects": objects, "rate": f"{rate:.1f}"}
    if not np.isfinite(left):
        message = Message("segment.progress.estimating", **counts)
    elif left >= 120:
        message = Message("segment.progress.minutes", **counts, minutes=f"{left / 60:.0f}")
    else:
        message = Message("segment.progress.seconds", **counts, seconds=f"{left:.0f}")
    return 0.95 * done / max(total, 1), message
