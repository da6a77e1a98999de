"""Tiles to pieces: read ahead, predict in batches, trace each instance's outline.

The one path from tiles to pieces, for a local run (:mod:`landseg.inference.pipeline`) and for
a chunk of tiles on a Dask worker (:mod:`landseg.inference.distributed`): both give the same
pieces.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import shapely
from rasterio.windows import Window

from landseg.errors import Cancelled, ModelLoadError
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import Piece, Signals
from landseg.inference.tiling import ReadTile, TileSpec, read_ahead
from landseg.inference.vectorize import masks_to_geometries
from landseg.io.rasters import RasterSource, Scaling
from landseg.messages import Message


@dataclass
class TilePieces:
    """What the model made of some tiles: their pieces, and how many tiles held data."""

    pieces: list[Piece]
    tiles_run: int
    consumed: int = 0  # specs read, in order (tiles without data included)
    skipped: list[int] = field(default_factory=list)  # spec indices that could not be read


def pieces_by_batch(
    source: RasterSource,
    specs: Sequence[TileSpec],
    bands: Sequence[int],
    scaling: Scaling,
    segmenter: Segmenter,
    *,
    batch_size: int,
    should_stop: Callable[[], bool] = lambda: False,
    within: Window | None = None,
    skip_unreadable: bool = False,
) -> Iterator[TilePieces]:
    """Read ``specs`` ahead of the model, predict in batches and turn masks into pieces.

    The one place tiles become pieces, whether for a whole raster (a local run) or for one
    chunk of it on a Dask worker: both runs therefore give the same pieces. Yields one result
    per batch, in tile order. The model predicts on threads of its own (as many batches at once
    as its ``parallel_batches``), and masks become outlines on another thread while
    it works on the next batches.

    Args:
        source: The raster to read.
        specs: Tiles to segment, in row order; pieces carry each spec's ``index``.
        bands: 1-based raster bands for the model's channels.
        scaling: The raster-wide scaling to 8-bit.
        segmenter: The model.
        batch_size: Tiles per call of ``segmenter.predict``.
        should_stop: Checked between batches; when true, the run stops.
        within: Only this window of the raster is read (area of interest).
        skip_unreadable: A tile that cannot be read (damaged block) is skipped and listed,
            instead of stopping the run.

    Raises:
        Cancelled: ``should_stop`` turned true.
    """
    known_classes = len(segmenter.class_names)
    parallel = segmenter.parallel_batches
    pending: deque[tuple[Future, int, int, list[int]]] = deque()
    with (
        ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="landseg-model") as model,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="landseg-vectorize") as vectorizer,
    ):
        for read in read_ahead(
            source,
            specs,
            bands,
            scaling,
            batch_size=batch_size,
            should_stop=should_stop,
            within=within,
            skip_unreadable=skip_unreadable,
            depth=parallel + 1,
            final_tiles=batch_size * parallel if parallel > 1 else 0,
        ):
            if should_stop():
                break
            tiles = [r.tile for r in read.tiles]
            predicted = model.submit(segmenter.predict, tiles) if tiles else None
            future = vectorizer.submit(_pieces, read.tiles, predicted, known_classes)
            pending.append((future, len(read.tiles), read.consumed, read.skipped))
            if len(pending) > parallel:
                yield _result(*pending.popleft())
        while pending and not should_stop():
            yield _result(*pending.popleft())
    if should_stop():
        raise Cancelled(Message("segment.cancelled"))


def _result(future: Future, tiles_run: int, consumed: int, skipped: list[int]) -> TilePieces:
    return TilePieces(future.result(), tiles_run, consumed, skipped)


def segment_tiles(
    source: RasterSource,
    specs: Sequence[TileSpec],
    bands: Sequence[int],
    scaling: Scaling,
    segmenter: Segmenter,
    **options: Any,
) -> TilePieces:
    """All the pieces of ``specs`` at once (a chunk of tiles on a Dask worker)."""
    pieces, tiles_run, skipped = [], 0, []
    for part in pieces_by_batch(source, specs, bands, scaling, segmenter, **options):
        pieces += part.pieces
        tiles_run += part.tiles_run
        skipped += part.skipped
    return TilePieces(pieces, tiles_run, len(specs), skipped)


def _pieces(batch: list[ReadTile], predicted: Future | None, known_classes: int) -> list[Piece]:
    """The batch's pieces, once the model has predicted it (in order: one vectorising thread)."""
    predictions = predicted.result() if predicted is not None else []
    pieces = []
    for read, instances in zip(batch, predictions, strict=True):
        for instance in instances:
            if not 0 <= instance.class_id < known_classes:
                raise ModelLoadError(
                    Message("model.class_id", class_id=instance.class_id, count=known_classes)
                )
        ranked = sorted(instances, key=lambda instance: instance.score)
        window = read.tile.window
        geometries = masks_to_geometries(
            ranked,
            read.valid,
            int(window.col_off),
            int(window.row_off),
        )
        pieces.extend(
            Piece(
                read.spec.index,
                instance.class_id,
                instance.score,
                geometry,
                Signals(instance.runner_up, instance.sharpness, _edge_px(geometry, window)),
            )
            for instance, geometry in zip(ranked, geometries, strict=True)
            if geometry is not None
        )
    return pieces


def _edge_px(geometry: shapely.Geometry, window: Window) -> float:
    """How far a piece's box stays from its tile's nearest edge, in pixels."""
    x0, y0, x1, y1 = shapely.bounds(geometry)
    right, bottom = window.col_off + window.width, window.row_off + window.height
    return float(min(x0 - window.col_off, y0 - window.row_off, right - x1, bottom - y1))
