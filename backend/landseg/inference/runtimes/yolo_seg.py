"""YOLO-seg network input and outputs: tiles to a batch, outputs to instances.

Outputs are decoded with class-aware NMS, and each mask is computed inside its box only.

The same arithmetic as ultralytics' ``non_max_suppression`` and ``process_mask_native``
(retina masks), written for our job: a mask is evaluated only inside its box, at the tile's
resolution, by bilinear interpolation of the prototype logits (``align_corners=False``, as
``torch.nn.functional.interpolate``) and a threshold at 0. No H x W array per instance is ever
made, so the cost grows with the objects' area, not with tile area x number of objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from landseg.inference.runtimes.model_files import ModelInfo
from landseg.inference.segmenter import Tile, TileInstance

MAX_WH = 7680.0  # class offset for class-aware NMS, as ultralytics
MAX_NMS = 30000  # candidates kept before NMS, as ultralytics


MAX_DETECTIONS = 1000  # per tile


def input_size(info: ModelInfo, tile_px: int) -> int:
    """Network input size for a tile: the tile's own size, scaled as in training when the model
    learnt on tiles resized to another input size (a multiple of 32)."""
    if not info.input_size_px or info.input_size_px == info.tile_size_px:
        return tile_px
    return max(32, round(tile_px * info.input_size_px / info.tile_size_px / 32) * 32)


def network_pixels(tiles: Sequence[Tile], input_px: int) -> np.ndarray:
    """Tiles as the network's input pixels: N x 3 x input x input uint8, RGB.

    Resized as ultralytics' letterbox resizes a square image (bilinear, no padding).
    """
    images = [
        tile.image
        if tile.image.shape[0] == input_px
        else cv2.resize(tile.image, (input_px, input_px), interpolation=cv2.INTER_LINEAR)
        for tile in tiles
    ]
    # N x C x H x W; a copy without reordering for tiles read by LandSeg (band-first pixels)
    return np.ascontiguousarray(np.stack([image.transpose(2, 0, 1) for image in images]))


def batch(tiles: Sequence[Tile], input_px: int) -> np.ndarray:
    """Tiles as the network's input: N x 3 x input x input float32 in [0, 1], RGB."""
    return np.divide(network_pixels(tiles, input_px), np.float32(255.0), dtype=np.float32)


@dataclass(frozen=True)
class Detections:
    """One image's kept detections: boxes in network-input pixels."""

    boxes: np.ndarray  # N x 4 float32, x0 y0 x1 y1
    scores: np.ndarray  # N float32
    classes: np.ndarray  # N int
    coefficients: np.ndarray  # N x 32 float32, mask coefficients
    runner_up: np.ndarray  # N float32, the best other class's score (0 for one class)


def candidates(prediction: np.ndarray, n_classes: int, conf: float) -> Detections:
    """Boxes whose best class score passes ``conf``, best first (at most ``MAX_NMS``).

    Args:
        prediction: ``(4 + n_classes + 32, anchors)``: xywh, class scores, mask coefficients.
        n_classes: Number of classes.
        conf: Minimum score.
    """
    class_scores = prediction[4 : 4 + n_classes]
    classes = class_scores.argmax(0)
    scores = np.take_along_axis(class_scores, classes[None], 0)[0]
    keep = np.flatnonzero(scores > conf)
    keep = keep[np.argsort(-scores[keep], kind="stable")][:MAX_NMS]
    x, y, w, h = prediction[:4, keep]
    boxes = np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1).astype(np.float32)
    coefficients = prediction[4 + n_classes :, keep].T.astype(np.float32)
    runner_up = runner_up_scores(class_scores[:, keep])
    return Detections(
        boxes, scores[keep].astype(np.float32), classes[keep], coefficients, runner_up
    )


def runner_up_scores(class_scores: np.ndarray) -> np.ndarray:
    """Per column of ``(n_classes, N)`` scores: the second highest (0 with one class)."""
    if class_scores.shape[0] < 2:
        return np.zeros(class_scores.shape[1], dtype=np.float32)
    return np.partition(class_scores, -2, axis=0)[-2].astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression (IoU above ``iou`` suppresses).

    ``scores`` must be sorted in descending order; vectorised over the remaining boxes.
    """
    x0, y0, x1, y1 = boxes.T
    areas = (x1 - x0) * (y1 - y0)
    remaining = np.arange(len(boxes))
    kept = []
    while remaining.size:
        best, rest = remaining[0], remaining[1:]
        kept.append(best)
        width = np.clip(np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]), 0, None)
        height = np.clip(np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]), 0, None)
        overlap = width * height
        union = areas[best] + areas[rest] - overlap
        remaining = rest[overlap <= iou * np.where(union > 0, union, np.inf)]
    return np.asarray(kept, dtype=int)


def select(detections: Detections, iou: float, max_det: int) -> Detections:
    """Class-aware NMS (boxes of different classes never suppress each other)."""
    offset = detections.boxes + detections.classes[:, None] * MAX_WH
    keep = nms(offset, detections.scores, iou)[:max_det]
    return Detections(
        detections.boxes[keep],
        detections.scores[keep],
        detections.classes[keep],
        detections.coefficients[keep],
        detections.runner_up[keep],
    )


def _bilinear(start: int, stop: int, scale: float, size: int) -> tuple[np.ndarray, ...]:
    """For output pixels ``start..stop``: source indices (low, high) and the high's weight."""
    source = np.maximum((np.arange(start, stop) + 0.5) / scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(int), size - 1)
    high = np.minimum(low + 1, size - 1)
    return low, high, (source - low).astype(np.float32)


def _source_span(start: int, stop: int, scale: float, size: int) -> tuple[int, int]:
    """The source pixels (from, to exclusive) that output pixels ``start..stop`` read: the
    lowest ``low`` and highest ``high`` of :func:`_bilinear`, without its arrays."""

    def low(pixel: int) -> int:
        return min(int(max((pixel + 0.5) / scale - 0.5, 0.0)), size - 1)

    return low(start), min(low(stop - 1) + 1, size - 1) + 1


def instances(
    detections: Detections, protos: np.ndarray, input_px: int, tile_px: int
) -> list[TileInstance]:
    """Each detection's mask inside its box, at the tile's resolution.

    Args:
        detections: Kept detections, boxes in network-input pixels.
        protos: ``(32, mask_h, mask_w)`` prototype masks of the image.
        input_px: Network input size (square).
        tile_px: Tile size (square); boxes and masks are scaled to it.
    """
    n_protos, mask_h, mask_w = protos.shape
    flat = protos.reshape(n_protos, -1)
    scale = tile_px / mask_h  # square tiles and prototypes
    boxes = np.clip(detections.boxes * (tile_px / input_px), 0, tile_px)
    found = []
    for box, score, class_id, coefficients, runner_up in zip(
        boxes,
        detections.scores,
        detections.classes,
        detections.coefficients,
        detections.runner_up,
        strict=True,
    ):
        # ultralytics' crop_mask keeps pixels r with x0 <= r < x1
        c0, r0 = int(np.ceil(box[0])), int(np.ceil(box[1]))
        c1, r1 = int(np.ceil(box[2])), int(np.ceil(box[3]))
        if c1 <= c0 or r1 <= r0:
            continue
        low_r, high_r = _source_span(r0, r1, scale, mask_h)
        low_c, high_c = _source_span(c0, c1, scale, mask_w)
        window = flat.reshape(n_protos, mask_h, mask_w)[:, low_r:high_r, low_c:high_c]
        # proto-resolution crop; einsum, not BLAS: BLAS threads would spin beside the model's
        logits = np.einsum("k,khw->hw", coefficients, window)
        if scale.is_integer():  # OpenCV's bilinear resize: the same arithmetic, in one pass
            whole = cv2.resize(logits, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
            top, left = r0 - int(low_r * scale), c0 - int(low_c * scale)
            logits = whole[top : top + r1 - r0, left : left + c1 - c0]
        else:
            logits = _interpolate(logits, _bilinear(r0, r1, scale, mask_h), low_r, axis=0)
            logits = _interpolate(logits, _bilinear(c0, c1, scale, mask_w), low_c, axis=1)
        mask = logits > 0
        if mask.any():
            sharpness = float(np.abs(logits).mean())
            found.append(
                TileInstance(mask, int(class_id), float(score), r0, c0, float(runner_up), sharpness)
            )
    return found


def _interpolate(values: np.ndarray, where: tuple[np.ndarray, ...], offset: int, axis: int):
    low, high, weight = where
    shape = [1, 1]
    shape[axis] = -1
    weight = weight.reshape(shape)
    return (
        np.take(values, low - offset, axis=axis) * (1 - weight)
        + np.take(values, high - offset, axis=axis) * weight
    )


def tile_instances(
    prediction: np.ndarray,
    protos: np.ndarray,
    *,
    n_classes: int,
    conf: float,
    iou: float,
    input_px: int,
    tile_px: int,
    max_det: int = MAX_DETECTIONS,
) -> list[TileInstance]:
    """One image's instances from the network's two outputs."""
    kept = select(candidates(prediction, n_classes, conf), iou, max_det)
    return instances(kept, protos, input_px, tile_px)
