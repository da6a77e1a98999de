"""Map-level evaluation: predicted polygons against labelled polygons over the whole map.

No tiles are involved; everything is computed on the vector polygons themselves.

Instance metrics follow COCO (pycocotools ``COCOeval``, ``iouType="segm"``) with the whole map
as one image: per class, predictions in descending score order (stable, so equal scores keep
their row order) each take the still unmatched label with the highest IoU at or above the
threshold (ties go to the later label row, as in pycocotools); IoU thresholds 0.50:0.05:0.95;
precision read at the 101 recall thresholds from the monotone precision envelope; no cap on
detections, no area ranges, no crowd. IoU is exact polygon IoU (shapely), with an STRtree for
candidate pairs. Two deliberate differences from pycocotools, both documented in the output:

* precision is ``tp / (tp + fp)`` without pycocotools' ``np.spacing(1)`` guard (the
  denominator is never zero here), so a perfect result is exactly 1.0 rather than 1 - 2e-16;
* a class with predictions but no labels scores 0 and counts in the means (pycocotools skips
  it); only a class with neither labels nor predictions is left out of the means.

Precision, recall and F1 are taken at IoU 0.5 over the predictions whose score is at least
``conf``. Greedy matching is score-ordered, so this equals the matching of only those
predictions.

Area metrics come from an overlay of the two layers (no pixels): each side is first flattened
into disjoint class regions, then the confusion matrix holds the area in m² of each
(label class, predicted class) pair, with ``background`` for area covered by neither. The
evaluated extent is the area of interest when given, else the bounding box of both layers.
Where polygons of different classes overlap on one side, one class must own the overlap:

* predictions: the higher score wins (equal scores: the earlier row);
* labels: the smaller polygon wins (the object drawn on top, e.g. a roof inside a field;
  equal areas: the earlier row).

Same-class overlaps are dissolved, never counted twice. Only predictions with score >= ``conf``
take part in the area metrics (the map a user would publish).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landseg.errors import InvalidParameterError, LandSegWarning, VectorReadError
from landseg.io.atomic import atomic_output
from landseg.io.vectors import (
    CRS_FIX,
    AreaOfInterest,
    VectorSource,
    area_of_interest,
    polygonal_parts,
    read_vector,
    repair_polygons,
)

# Exactly the arrays pycocotools' Params builds, so thresholds compare bit for bit.
IOU_THRESHOLDS: np.ndarray = np.linspace(0.5, 0.95, 10, endpoint=True)
RECALL_THRESHOLDS: np.ndarray = np.linspace(0.0, 1.0, 101, endpoint=True)
BACKGROUND = "background"
PREDICTION_CLASS_FIELD = "class"
SCORE_FIELD = "score"


@dataclass(frozen=True)
class ClassMetrics:
    """Instance and area metrics of one class; fractions are in [0, 1].

    Attributes:
        instances: Labelled polygons of the class inside the evaluated extent.
        predictions: Predicted polygons of the class (any score).
        predictions_above_conf: Predicted polygons with score >= ``conf``.
        true_positives: Predictions with score >= ``conf`` matched at IoU 0.5.
        ap50: Average precision at IoU 0.5.
        ap50_95: Average precision averaged over IoU 0.50:0.05:0.95.
        ap_per_iou: Average precision at each of :data:`IOU_THRESHOLDS`.
        precision: ``true_positives / predictions_above_conf`` (0 when there are none).
        recall: ``true_positives / instances`` (0 when there are none).
        f1: Harmonic mean of precision and recall (0 when both are 0).
        label_area_m2: Area labelled as the class (overlaps resolved, see module docs).
        predicted_area_m2: Area predicted as the class (score >= ``conf``).
        area_iou: Intersection over union of the two areas.
        users_accuracy: Share of the predicted area that is labelled as the class.
        producers_accuracy: Share of the labelled area that is predicted as the class.
    """

    instances: int
    predictions: int
    predictions_above_conf: int
    true_positives: int
    ap50: float
    ap50_95: float
    ap_per_iou: tuple[float, ...]
    precision: float
    recall: float
    f1: float
    label_area_m2: float
    predicted_area_m2: float
    area_iou: float
    users_accuracy: float
    producers_accuracy: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {
            "instances": self.instances,
            "predictions": self.predictions,
            "predictions_above_conf": self.predictions_above_conf,
            "true_positives": self.true_positives,
            "ap50": self.ap50,
            "ap50_95": self.ap50_95,
            "ap_per_iou": list(self.ap_per_iou),
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "area_iou": self.area_iou,
            "users_accuracy": self.users_accuracy,
            "producers_accuracy": self.producers_accuracy,
            "label_area_m2": self.label_area_m2,
            "predicted_area_m2": self.predicted_area_m2,
        }


@dataclass(frozen=True)
class MapMetrics:
    """Result of :func:`evaluate_map`.

    Attributes:
        classes: Metrics per class name, in report order.
        map50: Mean AP50 over the classes not in ``omitted_from_means``.
        map50_95: Mean AP50-95 over the same classes.
        precision: Mean precision (IoU 0.5, score >= ``conf``) over the same classes.
        recall: Mean recall over the same classes.
        f1: Mean F1 over the same classes.
        area_iou: Mean area IoU over the same classes.
        area_accuracy: Share of the evaluated area whose class (background included) agrees.
        area_confusion_m2: ``[label class][predicted class]`` area in m², with
            :data:`BACKGROUND` on both axes.
        evaluated_area_m2: Area of the evaluated extent.
        extent: ``"aoi"`` or ``"bounding_box"`` (of both layers).
        omitted_from_means: Classes with neither labels nor predictions.
        unknown_prediction_classes: Predicted classes found neither in the labels nor in
            ``class_names``.
        repaired_geometries: Invalid geometries made valid, per side.
        dropped_features: Features without a usable polygon or class, per side.
        conf: Score threshold used for precision, recall, F1 and the area metrics.
        crs: CRS the evaluation ran in.
    """

    classes: dict[str, ClassMetrics]
    map50: float
    map50_95: float
    precision: float
    recall: float
    f1: float
    area_iou: float
    area_accuracy: float
    area_confusion_m2: dict[str, dict[str, float]]
    evaluated_area_m2: float
    extent: str
    omitted_from_means: tuple[str, ...]
    unknown_prediction_classes: tuple[str, ...]
    repaired_geometries: dict[str, int]
    dropped_features: dict[str, int]
    conf: float
    crs: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: ``classes``, ``overall``, ``area_confusion_m2`` and notes."""
        return {
            "classes": {name: metrics.to_dict() for name, metrics in self.classes.items()},
            "overall": {
                "map50": self.map50,
                "map50_95": self.map50_95,
                "precision": self.precision,
                "recall": self.recall,
                "f1": self.f1,
                "area_iou": self.area_iou,
                "area_accuracy": self.area_accuracy,
            },
            "area_confusion_m2": {
                label: dict(row) for label, row in self.area_confusion_m2.items()
            },
            "area_confusion_axes": {"rows": "labels", "columns": "predictions"},
            "evaluated_area_m2": self.evaluated_area_m2,
            "extent": self.extent,
            "omitted_from_means": list(self.omitted_from_means),
            "unknown_prediction_classes": list(self.unknown_prediction_classes),
            "repaired_geometries": dict(self.repaired_geometries),
            "dropped_features": dict(self.dropped_features),
            "conf": self.conf,
            "iou_thresholds": [float(t) for t in IOU_THRESHOLDS],
            "crs": self.crs,
        }


@dataclass
class _Layer:
    """One side after reading, reprojection, repair and clipping."""

    geometries: np.ndarray  # shapely polygons / multipolygons, in the evaluation CRS
    names: np.ndarray  # class name per feature (str)
    scores: np.ndarray  # float per feature (labels: unused)
    repaired: int
    dropped: int


def evaluate_map(
    predictions: VectorSource,
    labels: VectorSource,
    *,
    class_field: str = "class",
    aoi: AreaOfInterest | None = None,
    conf: float = 0.25,
    class_names: Sequence[str] | None = None,
) -> MapMetrics:
    """Compare predicted polygons with labelled polygons over the whole map.

    Args:
        predictions: Path to a vector file (its first layer) or a GeoDataFrame with a
            ``class`` field and, ideally, a ``score`` field (missing: every score is 1.0).
        labels: Path or GeoDataFrame of labelled polygons; reprojected to the predictions' CRS.
        class_field: Field of ``labels`` holding the class names.
        aoi: Area of interest (path, GeoDataFrame, GeoSeries or a shapely geometry in the
            predictions' CRS). Both sides are clipped to it and it is the evaluated extent.
        conf: Minimum score of the predictions counted in precision, recall, F1 and the area
            metrics; AP always uses every prediction.
        class_names: Classes expected in this evaluation (e.g. the model's); they are listed
            even when absent, and predicted classes in it are not reported as unknown.

    Returns:
        The metrics; see :class:`MapMetrics` and the module docs for the exact semantics.

    Raises:
        VectorReadError: A file is missing or unreadable, a layer has no CRS, the labels lack
            ``class_field``, predictions lack a ``class`` field or have non-numeric scores.
        InvalidParameterError: ``conf`` is outside [0, 1] or a class is named ``background``.

    Warns:
        LandSegWarning: Predictions have no ``score`` field, or predict unknown classes.
    """
    if not 0.0 <= conf <= 1.0:
        raise InvalidParameterError(
            f"Confidence threshold {conf} is outside [0, 1]: use e.g. 0.25."
        )
    pred_frame, pred_name = read_vector(predictions, "Predictions")
    label_frame, label_name = read_vector(labels, "Labels")
    crs = _evaluation_crs(pred_frame, pred_name, label_frame, label_name)
    area_m2_per_unit = crs.axis_info[0].unit_conversion_factor ** 2 if crs.axis_info else 1.0
    region = area_of_interest(aoi, crs, pred_frame.crs or label_frame.crs)

    pred = _prepare(pred_frame, pred_name, crs, PREDICTION_CLASS_FIELD, scored=True)
    label = _prepare(label_frame, label_name, crs, class_field, scored=False)
    if region is not None:
        _clip(pred, region)
        _clip(label, region)

    known = list(dict.fromkeys(str(c) for c in (class_names or ())))
    label_classes = sorted(set(label.names.tolist()) - set(known))
    unknown = sorted(set(pred.names.tolist()) - set(known) - set(label_classes))
    classes = known + label_classes + unknown
    if BACKGROUND in classes:
        raise InvalidParameterError(
            f"A class is named '{BACKGROUND}', which the area confusion matrix reserves for "
            "unlabelled area: rename that class in the labels or predictions."
        )
    if unknown:
        warnings.warn(
            f"Predicted classes {unknown} appear neither in the labels nor in class_names; "
            "they are scored as false positives. Check the class names match.",
            LandSegWarning,
            stacklevel=2,
        )
    codes = {name: i for i, name in enumerate(classes)}
    pred_codes = np.array([codes[n] for n in pred.names], dtype=np.int64)
    label_codes = np.array([codes[n] for n in label.names], dtype=np.int64)

    order, matched = _match(pred.geometries, pred_codes, pred.scores, label.geometries, label_codes)
    above = pred.scores >= conf
    confusion, evaluated_m2 = _area_confusion(
        pred.geometries[above],
        pred_codes[above],
        pred.scores[above],
        label.geometries,
        label_codes,
        n_classes=len(classes),
        region=region,
        extent_geometries=np.concatenate([pred.geometries, label.geometries]),
    )
    confusion *= area_m2_per_unit
    evaluated_m2 *= area_m2_per_unit

    per_class: dict[str, ClassMetrics] = {}
    omitted: list[str] = []
    for k, name in enumerate(classes):
        in_class = pred_codes[order] == k
        n_labels = int(np.sum(label_codes == k))
        ap = _average_precision(matched[:, order[in_class]], n_labels)
        n_above = int(np.sum(above & (pred_codes == k)))
        hits = int(np.sum(matched[0] & above & (pred_codes == k)))
        precision, recall = _ratio(hits, n_above), _ratio(hits, n_labels)
        both, label_area, pred_area = confusion[k, k], confusion[k].sum(), confusion[:, k].sum()
        per_class[name] = ClassMetrics(
            instances=n_labels,
            predictions=int(np.sum(in_class)),
            predictions_above_conf=n_above,
            true_positives=hits,
            ap50=float(ap[0].mean()),
            ap50_95=float(ap.mean()),
            ap_per_iou=tuple(float(v) for v in ap.mean(axis=1)),
            precision=precision,
            recall=recall,
            f1=_ratio(2 * precision * recall, precision + recall),
            label_area_m2=float(label_area),
            predicted_area_m2=float(pred_area),
            area_iou=_ratio(both, label_area + pred_area - both),
            users_accuracy=_ratio(both, pred_area),
            producers_accuracy=_ratio(both, label_area),
        )
        if n_labels == 0 and not np.any(in_class):
            omitted.append(name)

    counted = [per_class[n] for n in classes if n not in omitted]

    def mean(field: str) -> float:
        return float(np.mean([getattr(m, field) for m in counted])) if counted else 0.0

    axis = [*classes, BACKGROUND]
    return MapMetrics(
        classes=per_class,
        map50=mean("ap50"),
        map50_95=mean("ap50_95"),
        precision=mean("precision"),
        recall=mean("recall"),
        f1=mean("f1"),
        area_iou=mean("area_iou"),
        area_accuracy=_ratio(float(np.trace(confusion)), evaluated_m2),
        area_confusion_m2={
            row: {column: float(confusion[i, j]) for j, column in enumerate(axis)}
            for i, row in enumerate(axis)
        },
        evaluated_area_m2=float(evaluated_m2),
        extent="aoi" if region is not None else "bounding_box",
        omitted_from_means=tuple(omitted),
        unknown_prediction_classes=tuple(unknown),
        repaired_geometries={"predictions": pred.repaired, "labels": label.repaired},
        dropped_features={"predictions": pred.dropped, "labels": label.dropped},
        conf=float(conf),
        crs=crs.to_string(),
    )


def write_json(
    metrics: MapMetrics, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write ``metrics.to_dict()`` as UTF-8 JSON, atomically; return the path written."""
    text = json.dumps(metrics.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_output(path, overwrite=overwrite) as temporary:
        temporary.write_text(text + "\n", encoding="utf-8")
    return Path(path)


def format_table(metrics: MapMetrics) -> str:
    """A plain-text report for the terminal: per-class table, area confusion and notes."""
    header = (
        f"{'class':<16}{'labels':>8}{'preds':>8}{'P':>8}{'R':>8}{'F1':>8}"
        f"{'AP50':>8}{'AP50-95':>9}{'areaIoU':>9}"
    )
    lines = [header, "-" * len(header)]
    for name, m in metrics.classes.items():
        mark = " *" if name in metrics.omitted_from_means else ""
        lines.append(
            f"{name[:16]:<16}{m.instances:>8}{m.predictions:>8}{m.precision:>8.3f}"
            f"{m.recall:>8.3f}{m.f1:>8.3f}{m.ap50:>8.3f}{m.ap50_95:>9.3f}{m.area_iou:>9.3f}{mark}"
        )
    total_labels = sum(m.instances for m in metrics.classes.values())
    total_preds = sum(m.predictions for m in metrics.classes.values())
    lines.append("-" * len(header))
    lines.append(
        f"{'all':<16}{total_labels:>8}{total_preds:>8}{metrics.precision:>8.3f}"
        f"{metrics.recall:>8.3f}{metrics.f1:>8.3f}{metrics.map50:>8.3f}"
        f"{metrics.map50_95:>9.3f}{metrics.area_iou:>9.3f}"
    )
    lines.append(
        "all: counts summed, metrics averaged over classes. "
        f"P, R, F1 at IoU 0.5 and score >= {metrics.conf:g}; "
        f"area accuracy {metrics.area_accuracy:.3f} over {metrics.evaluated_area_m2:,.0f} m² "
        f"({'area of interest' if metrics.extent == 'aoi' else 'bounding box of both layers'})."
    )
    axis = list(metrics.area_confusion_m2)
    width = max(12, *(len(a[:16]) + 2 for a in axis))
    lines += ["", "Area confusion (m²; rows: labels, columns: predictions)"]
    lines.append(f"{'':<16}" + "".join(f"{a[:16]:>{width}}" for a in axis))
    for row in axis:
        cells = metrics.area_confusion_m2[row]
        lines.append(f"{row[:16]:<16}" + "".join(f"{cells[c]:>{width},.0f}" for c in axis))
    notes = []
    if metrics.omitted_from_means:
        notes.append(
            "* no labels and no predictions, left out of the means: "
            + ", ".join(metrics.omitted_from_means)
        )
    if metrics.unknown_prediction_classes:
        notes.append(
            "Predicted classes unknown to the labels: "
            + ", ".join(metrics.unknown_prediction_classes)
        )
    for kind, counts in (
        ("Repaired invalid geometries", metrics.repaired_geometries),
        ("Dropped features without polygon or class", metrics.dropped_features),
    ):
        if any(counts.values()):
            notes.append(f"{kind}: {counts['predictions']} predicted, {counts['labels']} labelled")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


# --- reading and preparing -------------------------------------------------------------------


def _evaluation_crs(
    pred: gpd.GeoDataFrame, pred_name: str, label: gpd.GeoDataFrame, label_name: str
) -> CRS:
    """The predictions' CRS (a layer without CRS is an error unless it is empty).

    A geographic CRS has no metric areas, so the evaluation then runs in the UTM zone of the
    data instead.
    """
    for frame, name in ((pred, pred_name), (label, label_name)):
        if frame.crs is None and len(frame):
            raise VectorReadError(f"{name} has no CRS: {CRS_FIX}.")
    crs = pred.crs if pred.crs is not None else label.crs
    if crs is None:  # both empty
        return CRS.from_epsg(3857)
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        sample = pred if len(pred) else label
        if len(sample):
            crs = CRS.from_user_input(sample.estimate_utm_crs())
    return crs


def _prepare(
    frame: gpd.GeoDataFrame, name: str, crs: CRS, class_field: str, *, scored: bool
) -> _Layer:
    if len(frame) == 0:
        return _Layer(np.array([], dtype=object), np.array([], dtype=str), np.zeros(0), 0, 0)
    fields = [c for c in frame.columns if c != frame.geometry.name]
    if class_field not in frame.columns:
        hint = "" if scored else " or pass the name of the field that holds the classes"
        raise VectorReadError(
            f"{name} has no field '{class_field}': available fields are "
            f"{', '.join(map(repr, fields)) or 'none'}. Add the field{hint}."
        )
    if frame.crs is not None and CRS.from_user_input(frame.crs) != crs:
        frame = frame.to_crs(crs)
    geometries, repaired = repair_polygons(np.asarray(frame.geometry.array, dtype=object))
    classes = frame[class_field]
    keep = ~shapely.is_empty(geometries) & classes.notna().to_numpy()
    scores = np.ones(len(frame))
    if scored:
        if SCORE_FIELD in frame.columns:
            scores = pd.to_numeric(frame[SCORE_FIELD], errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(keep & ~np.isfinite(scores))
            if len(bad):
                raise VectorReadError(
                    f"{name} has {len(bad)} features without a numeric '{SCORE_FIELD}' "
                    f"(first at row {bad[0]}): fix them, or drop the field to score every "
                    "prediction 1.0."
                )
        else:
            warnings.warn(
                f"{name} has no '{SCORE_FIELD}' field: every prediction is scored 1.0, so "
                "AP depends on row order. Write scores with the predictions for a true AP.",
                LandSegWarning,
                stacklevel=3,
            )
    return _Layer(
        geometries=geometries[keep],
        names=classes.to_numpy()[keep].astype(str),
        scores=scores[keep],
        repaired=repaired,
        dropped=int(len(frame) - keep.sum()),
    )


def _clip(layer: _Layer, region: BaseGeometry) -> None:
    """Clip ``layer`` to ``region`` in place, dropping what lies outside."""
    inside = shapely.within(layer.geometries, region)
    crossing = ~inside & shapely.intersects(layer.geometries, region)
    clipped = layer.geometries.copy()
    clipped[crossing] = polygonal_parts(shapely.intersection(layer.geometries[crossing], region))
    keep = inside | (crossing & ~shapely.is_empty(clipped))
    layer.geometries, layer.names, layer.scores = (
        clipped[keep],
        layer.names[keep],
        layer.scores[keep],
    )


# --- instance metrics ------------------------------------------------------------------------


def _match(
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
    p, g, iou = _candidate_pairs(pred, pred_codes, label, label_codes)
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


def _candidate_pairs(
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


def _average_precision(tp: np.ndarray, n_labels: int) -> np.ndarray:
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


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else 0.0


# --- area metrics ----------------------------------------------------------------------------


def _area_confusion(
    pred: np.ndarray,
    pred_codes: np.ndarray,
    scores: np.ndarray,
    label: np.ndarray,
    label_codes: np.ndarray,
    *,
    n_classes: int,
    region: BaseGeometry | None,
    extent_geometries: np.ndarray,
) -> tuple[np.ndarray, float]:
    """Area confusion matrix in CRS units², background last, and the evaluated area."""
    if region is not None:
        extent = float(region.area)
    elif len(extent_geometries):
        x0, y0, x1, y1 = shapely.total_bounds(extent_geometries)
        extent = float((x1 - x0) * (y1 - y0))
    else:
        extent = 0.0
    pred_pieces, pred_piece_codes = _class_regions(
        pred, pred_codes, np.argsort(-scores, kind="mergesort")
    )
    label_pieces, label_piece_codes = _class_regions(
        label, label_codes, np.argsort(shapely.area(label), kind="mergesort")
    )
    matrix = np.zeros((n_classes + 1, n_classes + 1))
    if len(pred_pieces) and len(label_pieces):
        li, pi = shapely.STRtree(pred_pieces).query(label_pieces, predicate="intersects")
        areas = shapely.area(shapely.intersection(label_pieces[li], pred_pieces[pi]))
        np.add.at(matrix, (label_piece_codes[li], pred_piece_codes[pi]), areas)
    label_area = np.bincount(label_piece_codes, shapely.area(label_pieces), n_classes)
    pred_area = np.bincount(pred_piece_codes, shapely.area(pred_pieces), n_classes)
    overlap = matrix[:n_classes, :n_classes]
    # Float noise of the overlay must not turn into negative areas.
    matrix[:n_classes, n_classes] = np.maximum(label_area - overlap.sum(axis=1), 0.0)
    matrix[n_classes, :n_classes] = np.maximum(pred_area - overlap.sum(axis=0), 0.0)
    covered = label_area.sum() + pred_area.sum() - overlap.sum()
    matrix[n_classes, n_classes] = max(extent - covered, 0.0)
    return matrix, extent


def _class_regions(
    geometries: np.ndarray, codes: np.ndarray, priority: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint pieces covering each class's region, overlaps between classes resolved.

    Args:
        geometries: Polygons of one side.
        codes: Class code per polygon.
        priority: Polygon indices, the one that wins an overlap between classes first.

    A point belongs to the class of the first polygon in ``priority`` that covers it, so a
    polygon keeps itself minus every higher-priority polygon of another class. Same-class
    overlaps are dissolved afterwards.
    """
    if len(geometries) == 0:
        return geometries, codes
    rank = np.empty(len(geometries), dtype=np.int64)
    rank[priority] = np.arange(len(geometries))
    a, b = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    first = a < b
    a, b = a[first], b[first]
    overlapping = ~shapely.touches(geometries[a], geometries[b])
    a, b = a[overlapping], b[overlapping]
    across = codes[a] != codes[b]
    winner = np.where(rank[a] < rank[b], a, b)[across]
    loser = np.where(rank[a] < rank[b], b, a)[across]
    owned = geometries.copy()
    if len(loser):
        by_loser = np.argsort(loser, kind="mergesort")
        loser, winner = loser[by_loser], winner[by_loser]
        starts = np.flatnonzero(np.r_[True, loser[1:] != loser[:-1]])
        ends = np.r_[starts[1:], len(loser)]
        single = ends - starts == 1
        owned[loser[starts[single]]] = shapely.difference(
            geometries[loser[starts[single]]], geometries[winner[starts[single]]]
        )
        for start, end in zip(starts[~single], ends[~single], strict=True):
            owned[loser[start]] = shapely.difference(
                geometries[loser[start]], shapely.union_all(geometries[winner[start:end]])
            )
        owned = polygonal_parts(owned)
    # Dissolve each group of overlapping same-class polygons on its own: one union over a
    # whole class grows a huge multipolygon and is many times slower.
    root = _components(len(geometries), a[~across], b[~across])
    grouped = np.flatnonzero(root != np.arange(len(geometries)))
    grouped = np.union1d(grouped, root[grouped])
    alone = np.ones(len(geometries), dtype=bool)
    alone[grouped] = False
    pieces, piece_codes = [owned[alone]], [codes[alone]]
    if len(grouped):
        grouped = grouped[np.argsort(root[grouped], kind="mergesort")]
        starts = np.flatnonzero(np.r_[True, root[grouped][1:] != root[grouped][:-1]])
        ends = np.r_[starts[1:], len(grouped)]
        pair = ends - starts == 2
        merged = np.empty(len(starts), dtype=object)
        merged[pair] = shapely.union(owned[grouped[starts[pair]]], owned[grouped[starts[pair] + 1]])
        for k in np.flatnonzero(~pair):
            merged[k] = shapely.union_all(owned[grouped[starts[k] : ends[k]]])
        parts, index = shapely.get_parts(merged, return_index=True)
        pieces.append(parts)
        piece_codes.append(codes[grouped[starts]][index])
    all_pieces, all_codes = np.concatenate(pieces), np.concatenate(piece_codes)
    nonempty = ~shapely.is_empty(all_pieces)
    return all_pieces[nonempty], all_codes[nonempty]


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of the graph with edges (a, b): the smallest node of each."""
    root = np.arange(n)
    while True:
        ra, rb = root[a], root[b]
        apart = ra != rb
        if not apart.any():
            return root
        np.minimum.at(root, np.maximum(ra, rb)[apart], np.minimum(ra, rb)[apart])
        while True:  # pointer jumping until every node points at its root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
