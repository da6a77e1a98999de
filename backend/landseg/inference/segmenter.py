"""What the pipeline asks of a model: tiles in, instances out (the ``Segmenter`` protocol).

A model is anything with ``class_names`` and ``predict(tiles)``; tests use deterministic
stand-ins, users bring YOLO-seg models that :func:`landseg.inference.runtimes.loading.load`
wraps. What a run records of a model (its file, device, runtime, time in the forward pass)
and how many batches it predicts at once are declared members too: :class:`SegmenterBase`
gives them their defaults, and :func:`as_segmenter` gives them to a model object that has
only the two.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from affine import Affine
from rasterio.windows import Window

if TYPE_CHECKING:
    from landseg.inference.runtimes.model_files import ModelInfo


@dataclass
class Tile:
    """One window of the raster, ready for the model."""

    image: np.ndarray  # H x W x C uint8, bands in the order the model expects (may be a view)
    window: Window  # position in the source raster (pixels)
    transform: Affine  # affine of the tile's pixels in map units


@dataclass
class TileInstance:
    """One object the model found in a tile.

    ``mask`` covers the whole tile, or (offsets given) only a box of it: its top-left pixel is
    at ``row_off``, ``col_off`` of the tile, so no model needs a tile-sized array per object.
    """

    mask: np.ndarray  # h x w bool, tile pixels from (row_off, col_off)
    class_id: int
    score: float
    row_off: int = 0
    col_off: int = 0
    runner_up: float = 0.0  # the best other class's score for the same box
    sharpness: float = float("nan")  # mean |mask logit| inside the box (nan: not known)


@runtime_checkable
class Segmenter(Protocol):
    """What the pipeline needs of a model."""

    class_names: list[str]
    info: ModelInfo | None  # the model file's metadata (None: an object without a file)
    device: str  # where it runs, as the output's metadata records it
    runtime: str  # what runs it: onnx, torch, ultralytics (empty: the object itself)
    parallel_batches: int  # calls of ``predict`` that may run at once, from different threads
    forward_seconds: float | None  # seconds inside the model so far (None: not measured)

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Instances per tile, one list per tile in the same order."""
        ...


class SegmenterBase:
    """The defaults of a :class:`Segmenter`'s members for a model that has only
    ``class_names`` and ``predict``."""

    class_names: list[str]
    info: ModelInfo | None = None
    device: str = "n/a"
    runtime: str = ""
    parallel_batches: int = 1
    forward_seconds: float | None = None

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Instances per tile, one list per tile in the same order."""
        raise NotImplementedError


class _WithDefaults(SegmenterBase):
    """A model object with ``class_names`` and ``predict`` only, given the other members."""

    def __init__(self, model) -> None:
        self.model = model
        self.class_names = model.class_names

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        return self.model.predict(tiles)


def as_segmenter(model) -> Segmenter:
    """``model`` with every member of :class:`Segmenter`: as it is when it has them all, else
    wrapped with all of :class:`SegmenterBase`'s defaults (a model that declares only some,
    e.g. its ``info``, subclasses :class:`SegmenterBase`)."""
    return model if isinstance(model, Segmenter) else _WithDefaults(model)


class BusyClock:
    """Wall seconds during which at least one caller was inside ``with clock:`` (a model's
    ``forward_seconds`` when it predicts several batches at once)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._inside = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            if self._inside == 0:
                self._since = time.perf_counter()
            self._inside += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                self.seconds += time.perf_counter() - self._since
