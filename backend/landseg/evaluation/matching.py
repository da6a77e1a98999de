"""COCO instance matching of predicted to labelled polygons and the average precision."""

from __future__ import annotations

import numpy as np
import shapely

# Exactly the arrays pycocotools' Params builds, so thresholds compare bit for bit.
IOU_THRESHOLDS: np.ndarray = np.linspace(0.5, 0.95, 10, endpoint=True)
RECALL_THRESHOLDS: np.ndarray = np.linspace(0.0, 1.0, 101, endpoint=True)


def match(
    pred: np.ndarray,
    pred_codes: np.ndarray,
    scores: np.ndarray,
    label: np.ndarray,
    label_codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """COCO greedy matching of all classes at every IoU threshold.

    Returns:
        The score order of the predictions (stable, highest first) and a boolean array
        (thresholds, predictions) telling which prediction matched a label.
    """
    order = np.argsort(-scores, kind="mergesort")
    matched = np.zeros((len(IOU_THRESHOLDS), len(pred)), dtype=bool)
    p, g, iou = candidate_pairs(pred, pred_codes, label, label_codes)
    if len(p) == 0:
        return order, matched
    rank = np.empty(len(pred), dtype=np.int64)
    rank[order] = np.arange(len(pred))
    for t, threshold in enumerate(IOU_THRESHOLDS):
        eligible = iou >= min(threshold, 1 - 1e-10)
        ep, eg, eiou = p[eligible], g[eligible], iou[eligible]
        # A pair whose prediction and label have no other candidate matches whatever the
        # order; only the rest needs the sequential greedy pass.
        alone = (np.bincount(ep, minlength=len(pred))[ep] == 1) & (
            np.bincount(eg, minlength=len(label))[eg] == 1
        )
        matched[t, ep[alone]] = True
        contested = ~alone
        if contested.any():
            matched[t, _greedy(ep[contested], eg[contested], eiou[contested], rank)] = True
    return order, matched


def candidate_pairs(
    pred: np.ndarray, pred_codes: np.ndarray, label: np.ndarray, label_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Same-class (prediction, label) pairs with IoU >= 0.5 and their exact IoU."""
    if len(pred) == 0 or len(label) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    p, g = shapely.STRtree(label).query(pred)
    same = pred_codes[p] == label_codes[g]
    p, g = p[same], g[same]
    pred_area, label_area = shapely.area(pred), shapely.area(label)
    # Upper bound of IoU from areas and box overlap: skips neighbours before any overlay.
    pb, lb = shapely.bounds(pred)[p], shapely.bounds(label)[g]
    width = np.clip(np.minimum(pb[:, 2], lb[:, 2]) - np.maximum(pb[:, 0], lb[:, 0]), 0, None)
    height = np.clip(np.minimum(pb[:, 3], lb[:, 3]) - np.maximum(pb[:, 1], lb[:, 1]), 0, None)
    bound = np.minimum(np.minimum(pred_area[p], label_area[g]), width * height)
    union_bound = pred_area[p] + label_area[g] - bound
    possible = bound >= (IOU_THRESHOLDS[0] - 1e-9) * union_bound
    p, g = p[possible], g[possible]
    intersection = shapely.area(shapely.intersection(pred[p], label[g]))
    union = pred_area[p] + label_area[g] - intersection
    iou = np.divide(intersection, union, out=np.zeros_like(union), where=union > 0)
    keep = iou >= IOU_THRESHOLDS[0]
    return p[keep], g[keep], iou[keep]


def _greedy(p: np.ndarray, g: np.ndarray, iou: np.ndarray, rank: np.ndarray) -> list[int]:
    """Sequential COCO matching of contested pairs; returns the predictions that matched."""
    by_turn = np.lexsort((g, rank[p]))
    ps, gs, ious = p[by_turn].tolist(), g[by_turn].tolist(), iou[by_turn].tolist()
    taken: set[int] = set()
    winners: list[int] = []
    i, n = 0, len(ps)
    while i < n:
        current, best, best_iou = ps[i], -1, -1.0
        while i < n and ps[i] == current:
            # Labels come in row order and ">=" moves on to later ties, as pycocotools does.
            if gs[i] not in taken and ious[i] >= best_iou:
                best, best_iou = gs[i], ious[i]
            i += 1
        if best >= 0:
            taken.add(best)
            winners.append(current)
    return winners


def average_precision(tp: np.ndarray, n_labels: int) -> np.ndarray:
    """Interpolated precision, (thresholds, recall thresholds), as pycocotools accumulates it.

    Args:
        tp: (thresholds, predictions) in descending score order; True where matched.
        n_labels: Labelled instances of the class.
    """
    n = tp.shape[1]
    q = np.zeros((tp.shape[0], len(RECALL_THRESHOLDS)))
    if n == 0 or n_labels == 0:
        return q
    tp_sum = np.cumsum(tp, axis=1, dtype=float)
    fp_sum = np.cumsum(~tp, axis=1, dtype=float)
    recall = tp_sum / n_labels
    envelope = np.maximum.accumulate((tp_sum / (tp_sum + fp_sum))[:, ::-1], axis=1)[:, ::-1]
    for t in range(tp.shape[0]):
        at = np.searchsorted(recall[t], RECALL_THRESHOLDS, side="left")
        reached = at < n
        q[t, reached] = envelope[t, at[reached]]
    return q
