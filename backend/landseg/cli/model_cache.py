"""Models kept loaded between the jobs of ``landseg serve``, keyed by file SHA-256 and device.

Loading a model (ultralytics' import, reading the weights) and its first forward pass (the
predictor's set-up) cost seconds; a batch of small rasters pays them once. The cache sits at
the one place ``models.load`` reads a model file (``models.read_model``); the same
ultralytics object, predictor included, serves every later job on that file and device.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

MAX_MODELS = 2  # models kept at once (each can hold hundreds of MB on a GPU)

Reader = Callable[[Path], tuple[Any, Any]]


class ModelCache:
    """Reads a model file once per (SHA-256, device); later reads return the loaded model."""

    def __init__(self, max_models: int = MAX_MODELS) -> None:
        self.max_models = max_models
        self.device = "auto"  # the device the current job asked for
        self.loads = 0  # how many times a file was really read (for tests and benchmarks)
        self._models: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()

    def read(self, reader: Reader, model_path: Path) -> tuple[Any, Any]:
        """``reader(model_path)``, or the result of an earlier read of the same file."""
        key = (_sha256(model_path), self.device)
        if key in self._models:
            self._models.move_to_end(key)
            yolo, info = self._models[key]
            return yolo, replace(info, name=model_path.name)  # the same file under another name
        loaded = reader(model_path)
        self.loads += 1
        self._models[key] = loaded
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return loaded

    @contextlib.contextmanager
    def installed(self) -> Iterator[ModelCache]:
        """Route the inference package's model reads through this cache while in the block."""
        from landseg.inference import models

        original = models.read_model
        models.read_model = lambda model_path: self.read(original, model_path)
        try:
            yield self
        finally:
            models.read_model = original


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def requested_device(argv: list[str]) -> str:
    """The ``--device`` of a command line (``auto`` when absent)."""
    for index, part in enumerate(argv):
        if part == "--device" and index + 1 < len(argv):
            return argv[index + 1]
        if part.startswith("--device="):
            return part.split("=", 1)[1]
    return "auto"
