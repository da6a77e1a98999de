"""Loading a model for segmentation: which runtime runs it.

``load`` picks the runtime: ONNX Runtime on the CPU (a ``.pt`` is exported once and cached),
fp16 torch on a CUDA GPU, or ultralytics' own predictor (the reference). See
:mod:`landseg.inference.runtimes.onnx_runtime`, :mod:`landseg.inference.runtimes.torch_runtime` and
:mod:`landseg.inference.runtimes.ultralytics_runtime`.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from landseg import defaults
from landseg.errors import InvalidParameterError, ModelLoadError
from landseg.extras import has_training, require_pytorch_model_support
from landseg.inference.runtimes.devices import gpu_present, resolve_device
from landseg.inference.runtimes.model_files import (
    DEFAULT_MODEL_PATH,
    DEFAULT_ONNX_PATH,
    ModelInfo,
    file_sha256,
    read_onnx_info,
)
from landseg.inference.runtimes.ultralytics_runtime import UltralyticsSegmenter, read_model
from landseg.inference.segmenter import Segmenter
from landseg.messages import Message

RUNTIMES = ("auto", "onnx", "torch", "ultralytics")
MAX_KEPT_MODELS = 2  # segmenters kept loaded at once (each can hold hundreds of MB on a GPU)


@dataclass
class _Kept:
    """Segmenters kept loaded between runs, by file content and load options."""

    segmenters: OrderedDict[tuple, Segmenter] = field(default_factory=OrderedDict)
    loads: int = 0  # models really read (for tests and benchmarks)


_kept: _Kept | None = None


@contextlib.contextmanager
def kept_loaded() -> Iterator[_Kept]:
    """Within the block, :func:`load` hands out the segmenter it already loaded for the same
    file content (SHA-256) and options: a long-lived worker pays a model's load and warm-up
    once."""
    global _kept
    previous, _kept = _kept, _Kept()
    try:
        yield _kept
    finally:
        _kept = previous


def load(
    path: str | Path | None = None,
    *,
    device: str = defaults.DEVICE,
    conf: float = defaults.CONFIDENCE,
    iou: float = defaults.NMS_IOU,
    batch_size: int = defaults.BATCH_TILES,
    expected_classes: Sequence[str] | None = None,
    runtime: str = defaults.RUNTIME,
) -> Segmenter:
    """Load a segmentation model from a ``.pt`` or ``.onnx`` file (default: the shipped model).

    Args:
        path: The model file; ``None`` for the shipped model.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        conf: Minimum score of an instance.
        iou: Non-maximum-suppression IoU inside a tile.
        batch_size: Tiles per forward pass.
        expected_classes: Classes the model must know (matched by name).
        runtime: ``auto`` (ONNX Runtime on a CPU, torch on a GPU), ``onnx``, ``torch``, or
            ``ultralytics`` (its own predictor, the reference).

    Raises:
        ModelLoadError: The file is missing, corrupt, not a segmentation model, or lacks one
            of ``expected_classes`` (matched by name).
        InvalidParameterError: The runtime is unknown or cannot run this model on ``device``.
        DeviceUnavailableError: ``device`` names a GPU this machine does not have.
    """
    model_path = model_file(path)
    options = {"conf": conf, "iou": iou, "batch_size": batch_size}
    if _kept is None:
        return _load(model_path, device, runtime, options, expected_classes)
    key = (file_sha256(model_path), device, runtime, tuple(sorted(options.items())))
    if key not in _kept.segmenters:
        _kept.segmenters[key] = _load(model_path, device, runtime, options, None)
        _kept.loads += 1
        while len(_kept.segmenters) > MAX_KEPT_MODELS:
            _kept.segmenters.popitem(last=False)
    _kept.segmenters.move_to_end(key)
    segmenter = _kept.segmenters[key]
    if expected_classes is not None:
        named = Message("model.named", name=model_path.name)
        check_model_classes(named, segmenter.class_names, expected_classes)
    return segmenter


def _load(
    model_path: Path, device: str, runtime: str, options: dict, expected_classes
) -> Segmenter:
    """A new segmenter for ``model_path`` with the runtime chosen for ``device``."""
    chosen = choose_runtime(runtime, device, model_path)
    if chosen == "onnx":
        from landseg.inference.runtimes.onnx_runtime import onnx_segmenter

        segmenter = onnx_segmenter(model_path, device=device, **options)
    elif chosen == "torch":
        from landseg.inference.runtimes.torch_runtime import torch_segmenter

        segmenter = torch_segmenter(model_path, device=resolve_device(device), **options)
    else:
        resolved = resolve_device(device)
        yolo, info = read_model(model_path)
        segmenter = UltralyticsSegmenter(yolo, info, device=resolved, **options)
    if expected_classes is not None:
        named = Message("model.named", name=model_path.name)
        check_model_classes(named, segmenter.class_names, expected_classes)
    return segmenter


def model_file(path: str | Path | None) -> Path:
    """The model file to read, checked to exist and be a model this installation reads.

    ``None`` is the shipped model: its ``.pt``, or its ONNX export where the training extra
    (PyTorch) is not installed.

    Raises:
        ModelLoadError: The file is missing or not a model.
        MissingExtraError: A ``.pt`` file where PyTorch is not installed.
    """
    if path is None:
        model_path = DEFAULT_MODEL_PATH if has_training() else DEFAULT_ONNX_PATH
    else:
        model_path = Path(path)
    if not model_path.is_file():
        key = "model.default_missing" if path is None else "model.missing"
        raise ModelLoadError(Message(key, path=model_path))
    if model_path.suffix.lower() not in (".pt", ".onnx"):
        raise ModelLoadError(Message("model.suffix", path=model_path))
    if model_path.suffix.lower() == ".pt":
        require_pytorch_model_support(str(path))
    return model_path


def model_info(model_path: Path) -> ModelInfo:
    """A model file's metadata without running it (an ONNX file's without ultralytics).

    Raises:
        ModelLoadError: The file is not a model LandSeg can read.
    """
    if model_path.suffix.lower() == ".pt":
        return read_model(model_path)[1]
    try:
        return read_onnx_info(model_path)
    except Exception as error:
        raise ModelLoadError(
            Message(
                "model.unreadable",
                path=model_path,
                error_type=type(error).__name__,
                cause=str(error).strip()[:150],
            )
        ) from None


def choose_runtime(runtime: str, device: str, model_path: Path) -> str:
    """The runtime for ``model_path`` on ``device``: ``auto`` picks the fastest present.

    Raises:
        InvalidParameterError: Unknown runtime, or one that cannot run this model or device.
    """
    runtime = runtime.strip().lower()
    if runtime not in RUNTIMES:
        raise InvalidParameterError(
            Message("model.runtime_unknown", runtime=runtime, runtimes=", ".join(RUNTIMES))
        )
    is_onnx = model_path.suffix.lower() == ".onnx"
    wants_gpu = device.strip().lower() != "cpu" and (
        device.strip().lower() != "auto" or gpu_present()
    )
    if runtime == "torch" and is_onnx:
        raise InvalidParameterError(Message("model.onnx_runtime", name=model_path.name))
    chosen = runtime if runtime != "auto" else ("onnx" if is_onnx or not wants_gpu else "torch")
    if chosen == "onnx" and wants_gpu and device.strip().lower() != "auto":
        _check_onnx_gpu(model_path, asked_onnx=runtime == "onnx")
    return chosen


def _check_onnx_gpu(model_path: Path, *, asked_onnx: bool) -> None:
    """Refuse a GPU asked for by name that ONNX Runtime cannot reach: never a quiet CPU run."""
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        return
    if asked_onnx:
        raise InvalidParameterError(Message("model.onnx_cpu"))
    raise InvalidParameterError(Message("runtime.onnx_model_no_gpu", name=model_path.name))


def check_model_classes(model: str, known: Sequence[str], expected: Sequence[str]) -> None:
    """Refuse a model that lacks one of the ``expected`` classes (matched by name, any order)."""
    missing = [name for name in expected if name not in known]
    if missing:
        raise ModelLoadError(
            Message("model.classes", model=model, missing=missing, known=list(known))
        )
