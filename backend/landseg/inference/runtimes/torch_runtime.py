"""PyTorch on a GPU: the network's own forward pass in fp16, batched, with LandSeg's decoding.

Tiles go to the GPU as 8-bit pixels through pinned memory and are scaled there (a quarter of
the bytes of float input, and no conversion on the CPU); candidates and class-aware NMS run on
the GPU (torchvision's ``batched_nms``), and only the kept detections (in one transfer per
batch) and the prototypes come back for the box-cropped masks. A CUDA out-of-memory error
halves the batch and tries again. Two batches are in flight, so that one is decoded while the
network runs the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from landseg import defaults
from landseg.inference.runtimes.model_files import ModelInfo
from landseg.inference.runtimes.ultralytics_runtime import in_batches, read_model
from landseg.inference.runtimes.yolo_seg import (
    MAX_DETECTIONS,
    MAX_NMS,
    Detections,
    input_size,
    instances,
    network_pixels,
)
from landseg.inference.segmenter import BusyClock, SegmenterBase, Tile, TileInstance


class TorchSegmenter(SegmenterBase):
    """A YOLO-seg ``.pt`` model run by torch itself (fp16 on CUDA) behind ``Segmenter``."""

    def __init__(
        self,
        model: Any,
        info: ModelInfo,
        *,
        device: str,
        conf: float = defaults.CONFIDENCE,
        iou: float = defaults.NMS_IOU,
        batch_size: int = defaults.BATCH_TILES,
    ) -> None:
        self.half = device.startswith("cuda")
        model = model.fuse(verbose=False) if hasattr(model, "fuse") else model
        model = model.to(device).eval()
        self.model = model.half() if self.half else model.float()
        self.info = info
        self.class_names = list(info.class_names)
        self.device = device
        self.runtime = "torch"
        self.conf, self.iou, self.batch_size = conf, iou, batch_size
        # one batch decoded while the network runs the other (MPS keeps to one thread)
        self.parallel_batches = 1 if device.startswith("mps") else 2
        self._clock = BusyClock()

    @property
    def forward_seconds(self) -> float:
        """Seconds during which the network ran (either batch), for overhead figures."""
        return self._clock.seconds

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Instances per tile; halves the batch on CUDA out-of-memory.

        Up to ``parallel_batches`` calls may run at once, from different threads.
        """
        return in_batches(self, tiles, self._predict_batch)

    def _predict_batch(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        import torch

        tile_px = tiles[0].image.shape[0]
        input_px = input_size(self.info, tile_px)
        pixels = torch.from_numpy(network_pixels(tiles, input_px))
        if self.half:
            pixels = pixels.pin_memory()
        with torch.inference_mode():
            images = pixels.to(self.device, non_blocking=True)
            # scaled as ultralytics scales its input: in the model's precision, on its device
            images = (images.half() if self.half else images.float()).div_(255)
            with self._clock:
                (predictions, protos), _ = self.model(images)
                if self.half:
                    torch.cuda.synchronize()
            kept = [self._select(prediction) for prediction in predictions]
            rows = torch.cat(kept).cpu().numpy()
            protos = protos.float().cpu().numpy()
        splits = np.cumsum([len(k) for k in kept])[:-1]
        return [
            instances(_detections(image_rows), proto, input_px, tile_px)
            for image_rows, proto in zip(np.split(rows, splits), protos, strict=True)
        ]

    def _select(self, prediction: Any) -> Any:
        """Candidates and class-aware NMS on the model's device: the kept ones as rows of box
        (4), score, class, the best other class's score and mask coefficients."""
        import torch
        from torchvision.ops import batched_nms

        n_classes = len(self.class_names)
        prediction = prediction.float()
        class_scores = prediction[4 : 4 + n_classes]
        scores, classes = class_scores.max(0)
        keep = torch.nonzero(scores > self.conf).flatten()
        keep = keep[torch.argsort(scores[keep], descending=True, stable=True)][:MAX_NMS]
        x, y, w, h = prediction[:4, keep]
        boxes = torch.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], dim=1)
        chosen = batched_nms(boxes, scores[keep], classes[keep], self.iou)[:MAX_DETECTIONS]
        picked = keep[chosen]
        runner_up = (
            class_scores[:, picked].topk(2, dim=0).values[1]
            if n_classes > 1
            else torch.zeros_like(scores[picked])
        )
        return torch.cat(
            [
                boxes[chosen],
                scores[picked, None],
                classes[picked, None].float(),
                runner_up[:, None],
                prediction[4 + n_classes :, picked].T,
            ],
            dim=1,
        )


def _detections(rows: np.ndarray) -> Detections:
    """One image's rows from :meth:`TorchSegmenter._select` as ``Detections``."""
    return Detections(rows[:, :4], rows[:, 4], rows[:, 5].astype(int), rows[:, 7:], rows[:, 6])


def torch_segmenter(
    model_path: Path, *, device: str, conf: float, iou: float, batch_size: int
) -> TorchSegmenter:
    """A torch segmenter for a ``.pt`` file (read through ultralytics, which unpickles it)."""
    yolo, info = read_model(model_path)
    return TorchSegmenter(
        yolo.model, info, device=device, conf=conf, iou=iou, batch_size=batch_size
    )
