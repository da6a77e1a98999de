"""Models kept loaded between the jobs of ``landseg serve``, keyed by file SHA-256 and options.

Loading a model (torch's and ultralytics' imports, reading the weights, building an ONNX
Runtime session) and its first forward pass cost seconds; a batch of small rasters pays them
once. The cache wraps ``landseg.inference.models.load`` (whatever runtime it picks) wherever
LandSeg's modules hold it, and hands out the same segmenter for the same file content and
options; later jobs also skip the first pass's warm-up.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MAX_MODELS = 2  # segmenters kept at once (each can hold hundreds of MB on a GPU)


class ModelCache:
    """``load`` once per (file SHA-256, device, runtime, options); later calls reuse it."""

    def __init__(self, max_models: int = MAX_MODELS) -> None:
        self.max_models = max_models
        self.loads = 0  # how many times a model was really loaded (for tests and benchmarks)
        self._segmenters: OrderedDict[tuple, Any] = OrderedDict()

    def load(self, original: Callable[..., Any], path: Any = None, **options: Any) -> Any:
        """``original(path, **options)``, or the segmenter an earlier identical call made."""
        from landseg.inference import models

        model_path = Path(path) if path is not None else Path(models.DEFAULT_MODEL_PATH)
        if not model_path.is_file():
            return original(path, **options)  # its own clear error
        classes = options.get("expected_classes")
        fixed = {k: v for k, v in options.items() if k != "expected_classes"}
        key = (_sha256(model_path), tuple(classes or ()), tuple(sorted(fixed.items())))
        if key not in self._segmenters:
            self._segmenters[key] = original(path, **options)
            self.loads += 1
            while len(self._segmenters) > self.max_models:
                self._segmenters.popitem(last=False)
        self._segmenters.move_to_end(key)
        return self._segmenters[key]

    @contextlib.contextmanager
    def installed(self) -> Iterator[ModelCache]:
        """Route ``models.load``, in every LandSeg module holding it, through this cache."""
        from landseg.inference import models

        original = models.load

        def cached_load(path: Any = None, **options: Any) -> Any:
            return self.load(original, path, **options)

        holders = [m for name, m in list(sys.modules.items()) if name.startswith("landseg.")]
        holders = [m for m in holders if getattr(m, "load", None) is original]
        for module in holders:
            module.load = cached_load  # modules imported later bind the cached one themselves
        try:
            yield self
        finally:
            for name, module in list(sys.modules.items()):
                if name.startswith("landseg.") and getattr(module, "load", None) is cached_load:
                    module.load = original


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
