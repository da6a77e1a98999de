"""The reference runtime: ultralytics' own ``YOLO.predict`` behind ``Segmenter``.

Kept as the reference the faster runtimes are tested against (``--runtime ultralytics``).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from landseg import defaults
from landseg.errors import ModelLoadError
from landseg.inference.runtimes.model_files import ModelInfo, read_model_info
from landseg.inference.runtimes.yolo_seg import input_size
from landseg.inference.segmenter import SegmenterBase, Tile, TileInstance
from landseg.messages import Message


class UltralyticsSegmenter(SegmenterBase):
    """A YOLOv8/11-seg model (``.pt`` or ultralytics-exported ``.onnx``) behind ``Segmenter``."""

    def __init__(
        self,
        yolo: Any,
        info: ModelInfo,
        *,
        device: str,
        conf: float = defaults.CONFIDENCE,
        iou: float = defaults.NMS_IOU,
        batch_size: int = defaults.BATCH_TILES,
    ) -> None:
        self.yolo = yolo
        self.info = info
        self.class_names = list(info.class_names)
        self.device = device
        self.half = device.startswith("cuda")
        self.conf = conf
        self.iou = iou
        self.batch_size = batch_size
        self.runtime = "ultralytics"
        self.forward_seconds = 0.0  # time inside the model, for overhead figures

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Run the model on ``tiles`` in batches; halves the batch on CUDA out-of-memory."""
        return in_batches(self, tiles, self._predict_batch)

    def _predict_batch(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        # ultralytics takes numpy images as BGR (OpenCV's order); tiles are RGB.
        images = [np.ascontiguousarray(tile.image[..., ::-1]) for tile in tiles]
        started = time.perf_counter()
        outputs = self.yolo.predict(
            images,
            imgsz=input_size(self.info, max(images[0].shape[:2])),
            conf=self.conf,
            iou=self.iou,
            device=self.device,
            quantize="fp16" if self.half else None,
            retina_masks=True,
            max_det=1000,
            batch=len(images),
            verbose=False,
        )
        self.forward_seconds += time.perf_counter() - started
        return [_instances(output) for output in outputs]


def in_batches(segmenter: Any, tiles: Sequence[Tile], predict_batch) -> list[list[TileInstance]]:
    """``predict_batch`` over ``tiles``, ``segmenter.batch_size`` at a time; on CUDA
    out-of-memory the batch size halves (and stays halved) and the batch runs again."""
    results: list[list[TileInstance]] = []
    start = 0
    while start < len(tiles):
        chunk = tiles[start : start + segmenter.batch_size]
        try:
            results.extend(predict_batch(chunk))
        except Exception as error:
            if not is_out_of_memory(error) or segmenter.batch_size == 1:
                raise
            segmenter.batch_size = max(1, segmenter.batch_size // 2)
            _empty_cuda_cache()
            continue
        start += len(chunk)
    return results


def _instances(output: Any) -> list[TileInstance]:
    if output.masks is None or len(output.boxes) == 0:
        return []
    masks = output.masks.data.cpu().numpy() > 0.5
    classes = output.boxes.cls.cpu().numpy().astype(int)
    scores = output.boxes.conf.cpu().numpy().astype(float)
    return [
        TileInstance(mask=m, class_id=int(c), score=float(s))
        for m, c, s in zip(masks, classes, scores, strict=True)
    ]


def is_out_of_memory(error: Exception) -> bool:
    """Whether ``error`` is the device running out of memory (CUDA, or a message saying so)."""
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in str(error).lower()


def _empty_cuda_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def library_cause(error: BaseException) -> str:
    """A library's error as plain text: its first line, without the emoji and the ``ERROR``
    label ultralytics puts in front (``ERROR ❌️ ...``)."""
    lines = str(error).strip().splitlines()
    text = "".join(c for c in (lines[0] if lines else "") if not _is_decoration(c))
    return re.sub(r"^\s*(ERROR|WARNING)\b\s*:?\s*", "", text).strip() or "corrupt file"


def _is_decoration(character: str) -> bool:
    """Emoji and dingbats (not symbols such as ° or ², below U+2600) and their selectors."""
    emoji = unicodedata.category(character) == "So" and character > "\u25ff"
    return emoji or "\ufe00" <= character <= "\ufe0f"


def read_model(model_path: Path) -> tuple[Any, ModelInfo]:
    """The ultralytics model and its metadata; one clear error for any file that is not one."""
    from landseg.offline import import_ultralytics, quiet_ultralytics

    import_ultralytics()
    from ultralytics import YOLO

    try:
        with quiet_ultralytics():
            yolo = YOLO(str(model_path), task="segment")
            info = read_model_info(model_path, yolo)
            task = yolo.task if model_path.suffix == ".pt" else _onnx_task(model_path)
    except Exception as error:
        cause = library_cause(error)
        raise ModelLoadError(
            Message(
                "model.unreadable",
                path=model_path,
                error_type=type(error).__name__,
                cause=cause,
            )
        ) from None
    if task != "segment":
        raise ModelLoadError(Message("model.not_segmentation", path=model_path, task=task))
    return yolo, info


def _onnx_task(path: Path) -> str:
    """The task ultralytics recorded in an exported ONNX file (``segment`` when unrecorded)."""
    import onnx

    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return props.get("task", "segment")
