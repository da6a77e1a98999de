"""Cutting a raster into overlapping tiles, and reading them ahead of the model.

Tiles step by ``tile_size_px - overlap_px``; tiles at the right and bottom edges reach past
the raster and are padded with zeros, never resized. Each tile owns a *core* region: its
window less half the overlap on every side it shares with a neighbour. The cores partition
the raster exactly, which is what the seam merge relies on.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from rasterio.errors import WindowError
from rasterio.windows import Window

from landseg import defaults
from landseg.errors import InvalidParameterError, RasterReadError
from landseg.inference.segmenter import Tile
from landseg.io.rasters import RasterSource, Scaling, read_window, valid_mask
from landseg.messages import Message


@dataclass(frozen=True)
class TileSpec:
    """Where a tile sits: its window and the core it owns, both in raster pixels."""

    index: int
    window: Window
    core: tuple[int, int, int, int]  # col_min, row_min, col_max, row_max (exclusive)


def validate_tiling(tile_size_px: int, overlap_px: int) -> None:
    """Raise :class:`InvalidParameterError` for tile sizes and overlaps that cannot work."""
    if tile_size_px > defaults.MAX_TILE_SIZE_PX:
        raise InvalidParameterError(
            Message("tiling.too_large", tile_size=tile_size_px, max_size=defaults.MAX_TILE_SIZE_PX)
        )
    if tile_size_px < 32 or tile_size_px % 32:
        raise InvalidParameterError(Message("tiling.multiple", tile_size=tile_size_px))
    if not 0 <= overlap_px < tile_size_px / 2:
        raise InvalidParameterError(
            Message(
                "tiling.overlap",
                overlap=overlap_px,
                tile_size=tile_size_px // 2,
                suggestion=tile_size_px // 8,
            )
        )


def _axis(length: int, tile: int, overlap: int, low: int, high: int) -> list[tuple[int, int, int]]:
    """(start, core start, core end) of the tiles along one axis that reach into [low, high)."""
    stride, half = tile - overlap, overlap // 2
    count = max(1, math.ceil((length - overlap) / stride))
    first = max(0, (low - tile) // stride + 1)
    last = min(count - 1, max(0, math.ceil(high / stride) - 1))
    return [
        (
            i * stride,
            0 if i == 0 else i * stride + half,
            length if i == count - 1 else (i + 1) * stride + half,
        )
        for i in range(first, last + 1)
    ]


def tile_grid(
    width: int,
    height: int,
    tile_size_px: int,
    overlap_px: int,
    *,
    within: Window | None = None,
) -> list[TileSpec]:
    """Tiles covering a ``width`` x ``height`` raster, row by row.

    With ``within``, only the tiles of the full grid that reach into that window are made, so
    a small area of a huge raster (a national mosaic, an XYZ layer) costs only its own tiles.
    """
    validate_tiling(tile_size_px, overlap_px)
    box = within or Window(0, 0, width, height)
    c_low, r_low = int(box.col_off), int(box.row_off)
    c_high = math.ceil(box.col_off + box.width)
    r_high = math.ceil(box.row_off + box.height)
    cols = _axis(width, tile_size_px, overlap_px, c_low, c_high)
    rows = _axis(height, tile_size_px, overlap_px, r_low, r_high)
    specs = []
    for row, r0, r1 in rows:
        for col, c0, c1 in cols:
            window = Window(col, row, tile_size_px, tile_size_px)
            specs.append(TileSpec(len(specs), window, (c0, r0, c1, r1)))
    return specs


@dataclass
class ReadTile:
    """A tile read from disk: the model's input plus the pixels that hold data."""

    spec: TileSpec
    tile: Tile
    valid: np.ndarray  # H x W bool


def read_tile(
    src, spec: TileSpec, bands: Sequence[int], scaling: Scaling, *, within: Window | None = None
) -> ReadTile | None:
    """Read one tile (padded at the edges); ``None`` when it holds no data at all.

    With ``within`` (the area of interest's window), only that part of the tile is read; the
    rest counts as nodata, so an area of interest costs only the bytes under it.
    """
    window = spec.window
    area = Window(0, 0, src.width, src.height)
    if within is not None:
        area = area.intersection(within)
    try:
        inside = window.intersection(area)
    except WindowError:  # the tile only touches the area's edge
        return None
    row0, col0 = int(inside.row_off - window.row_off), int(inside.col_off - window.col_off)
    h, w = int(inside.height), int(inside.width)
    data = read_window(src, bands, inside)
    valid_inside = valid_mask(src, data, inside)
    if not valid_inside.any():
        return None
    size = int(window.height), int(window.width)
    bands_first = np.zeros((len(bands), *size), dtype=np.uint8)  # as read, and as models take it
    bands_first[:, row0 : row0 + h, col0 : col0 + w] = scaling.apply(data)
    valid = np.zeros(size, dtype=bool)
    valid[row0 : row0 + h, col0 : col0 + w] = valid_inside
    if not valid_inside.all():  # nodata inside the raster (the padding is zero already)
        bands_first[:, ~valid] = 0
    image = bands_first.transpose(1, 2, 0)  # H x W x C, a view: no copy either way
    tile = Tile(image=image, window=window, transform=src.window_transform(window))
    return ReadTile(spec, tile, valid)


@dataclass
class ReadBatch:
    """Tiles read ahead of the model, and how many specs (in order) they account for."""

    tiles: list[ReadTile]  # the tiles that hold data
    consumed: int  # specs read, tiles without data and skipped ones included
    skipped: list[int] = field(default_factory=list)  # spec indices that could not be read


def read_ahead(
    source: RasterSource,
    specs: Sequence[TileSpec],
    bands: Sequence[int],
    scaling: Scaling,
    *,
    batch_size: int,
    should_stop: Callable[[], bool],
    within: Window | None = None,
    skip_unreadable: bool = False,
    depth: int = 2,
    final_tiles: int = 0,
) -> Iterator[ReadBatch]:
    """Yield batches of non-empty tiles, in spec order.

    A background thread with its own dataset handle reads up to ``depth`` batches ahead,
    so disk reads overlap the model's forward pass. With ``skip_unreadable``, a tile whose
    pixels cannot be read is left out and listed instead of stopping the run. The last
    ``final_tiles`` specs come in half batches: models that predict several batches at once
    then finish them closer together, instead of one running the last whole batch alone.
    """
    batches: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()  # set when the consumer leaves early (error, cancel)

    def produce() -> None:
        try:
            with source.open() as src:
                batch = ReadBatch([], 0)
                for number, spec in enumerate(specs):
                    if stop.is_set() or should_stop():
                        break
                    final = len(specs) - number <= final_tiles
                    size = max(1, batch_size // 2) if final else batch_size
                    batch.consumed += 1
                    try:
                        read = read_tile(src, spec, bands, scaling, within=within)
                    except RasterReadError:
                        if not skip_unreadable:
                            raise
                        batch.skipped.append(spec.index)
                        read = None
                    if read is not None:
                        batch.tiles.append(read)
                    if len(batch.tiles) >= size:
                        batches.put(batch)
                        batch = ReadBatch([], 0)
                if batch.tiles or batch.consumed:
                    batches.put(batch)
        except BaseException as error:  # surfaced in the consumer's thread
            batches.put(error)
        finally:
            batches.put(done)

    reader = threading.Thread(target=produce, name="landseg-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := batches.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        reader.join()
