"""Tiles to pieces: read ahead, predict in batches, trace each instance's outline.

The one path from tiles to pieces, for a local run (:mod:`landseg.inference.pipeline`) and for
a chunk of tiles on a Dask worker (:mod:`landseg.inference.distributed`): both give the same
pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rasterio.windows import Window

from landseg.errors import Cancelled, ModelLoadError
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import Piece
from landseg.inference.tiling import ReadTile, TileSpec, read_ahead
from landseg.inference.vectorize import masks_to_geometries
from landseg.io.rasters import RasterSource, Scaling


@dataclass
class TilePieces:
    """What the model made of some tiles: their pieces, and how many tiles held data."""

    pieces: list[Piece]
    tiles_run: int


def segment_tiles(
    source: RasterSource,
    specs: Sequence[TileSpec],
    bands: Sequence[int],
    scaling: Scaling,
    segmenter: Segmenter,
    *,
    batch_size: int,
    should_stop: Callable[[], bool] = lambda: False,
    within: Window | None = None,
    progress: Callable[[int], None] | None = None,
) -> TilePieces:
    """Read ``specs`` ahead of the model, predict in batches and turn masks into pieces.

    The one place tiles become pieces, whether for a whole raster (a local run) or for one
    chunk of it on a Dask worker: both runs therefore give the same pieces.

    Args:
        source: The raster to read.
        specs: Tiles to segment; pieces carry each spec's ``index``.
        bands: 1-based raster bands for the model's channels.
        scaling: The raster-wide scaling to 8-bit.
        segmenter: The model.
        batch_size: Tiles per call of ``segmenter.predict``.
        should_stop: Checked between batches; when true, the run stops.
        within: Only this window of the raster is read (area of interest).
        progress: Called after each batch with the number of specs it consumed.

    Raises:
        Cancelled: ``should_stop`` turned true.
    """
    tiles_run = 0
    known_classes = len(segmenter.class_names)
    # Masks become polygons on a second thread while the model works on the next batch.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landseg-vectorize") as vectorizer:
        vectorized = []
        for batch, consumed in read_ahead(
            source,
            specs,
            bands,
            scaling,
            batch_size=batch_size,
            should_stop=should_stop,
            within=within,
        ):
            if should_stop():
                break
            if batch:
                predictions = segmenter.predict([read.tile for read in batch])
                vectorized.append(
                    vectorizer.submit(_pieces, batch, predictions, known_classes=known_classes)
                )
                tiles_run += len(batch)
            if progress is not None:
                progress(consumed)
        pieces = [piece for future in vectorized for piece in future.result()]
    if should_stop():
        raise Cancelled("Segmentation was cancelled; no output was written.")
    return TilePieces(pieces, tiles_run)


def _pieces(batch: list[ReadTile], predictions, *, known_classes: int) -> list[Piece]:
    pieces = []
    for read, instances in zip(batch, predictions, strict=True):
        for instance in instances:
            if not 0 <= instance.class_id < known_classes:
                raise ModelLoadError(
                    f"The model returned class id {instance.class_id} but names only "
                    f"{known_classes} classes: its class names do not match its head."
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
            Piece(read.spec.index, instance.class_id, instance.score, geometry)
            for instance, geometry in zip(ranked, geometries, strict=True)
            if geometry is not None
        )
    return pieces
