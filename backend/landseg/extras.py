"""What the installed extras allow: the training extra (PyTorch, ultralytics) is optional.

``pip install landseg`` is the inference core (ONNX Runtime); ``landseg[train]`` adds what
training, tile-level evaluation, analysis, ``.pt`` models and the GPU need, and
``landseg[parquet]`` GeoParquet (pyarrow). A command that needs one says so in one line, with
the pip command and the way round it.
"""

from __future__ import annotations

import importlib.util

from landseg.errors import MissingExtraError
from landseg.messages import Message

TRAIN_EXTRA = "pip install 'landseg[train]'"
TRAINING_MODULES = ("torch", "torchvision", "ultralytics")


def importable(*modules: str) -> bool:
    """Whether every one of ``modules`` can be imported here (found, not imported)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in modules)
    except (ImportError, ValueError):
        return False


def has_training() -> bool:
    """Whether PyTorch, torchvision and ultralytics can be imported here."""
    return importable(*TRAINING_MODULES)


def require_training(task: str) -> None:
    """Refuse ``task`` (e.g. "landseg train") where the training extra is not installed.

    Raises:
        MissingExtraError: PyTorch or ultralytics is missing.
    """
    if not has_training():
        raise MissingExtraError(Message("extras.training_missing", task=task))


def require_geoparquet(what: str) -> None:
    """Refuse GeoParquet (``what``: an output or input) where pyarrow is not installed.

    Raises:
        MissingExtraError: pyarrow is missing.
    """
    if not importable("pyarrow"):
        raise MissingExtraError(Message("extras.geoparquet_missing", what=what))


def require_pytorch_model_support(model: str) -> None:
    """Refuse a ``.pt`` model where PyTorch is not installed, naming the ways round it.

    Raises:
        MissingExtraError: PyTorch or ultralytics is missing.
    """
    if not has_training():
        raise MissingExtraError(Message("extras.pytorch_model", model=model))
