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

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landseg import defaults
from landseg.checks import check_fraction
from landseg.errors import InvalidParameterError, LandSegWarning, VectorReadError
from landseg.evaluation.area import area_confusion
from landseg.evaluation.layers import (
    PREDICTION_CLASS_FIELD,
    SCORE_FIELD,
    Layer,
    clip,
    evaluation_crs,
    prepare,
)
from landseg.evaluation.matching import (
    IOU_THRESHOLDS,
    RECALL_THRESHOLDS,
    average_precision,
    match,
)
from landseg.io.vectors import (
    AreaOfInterest,
    VectorSource,
    area_of_interest,
    read_vector,
    require_polygons,
)
from landseg.messages import Message
from landseg.spelling import unify_spellings

__all__ = [
    "BACKGROUND",
    "IOU_THRESHOLDS",
    "PREDICTION_CLASS_FIELD",
    "RECALL_THRESHOLDS",
    "SCORE_FIELD",
    "ClassMetrics",
    "MapMetrics",
    "evaluate_map",
    "format_table",
]

BACKGROUND = "background"


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


def evaluate_map(
    predictions: VectorSource,
    labels: VectorSource,
    *,
    class_field: str = defaults.CLASS_FIELD,
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    labels_layer: str | None = None,
    aoi: AreaOfInterest | None = None,
    conf: float = defaults.CONFIDENCE,
    class_names: Sequence[str] | None = None,
) -> MapMetrics:
    """Compare predicted polygons with labelled polygons over the whole map.

    Args:
        predictions: Path to a vector file (its first layer) or a GeoDataFrame with a
            ``class`` field and, ideally, a ``score`` field (missing: every score is 1.0).
        labels: Path or GeoDataFrame of labelled polygons; reprojected to the predictions' CRS.
        class_field: Field of ``labels`` holding the class names.
        class_value: One class for every label instead of a class field (e.g. ``roof`` for
            building footprints).
        class_map: Renames label values to the predictions' classes (``{"building": "roof"}``).
        labels_layer: The layer of ``labels`` to read, for files with several.
        aoi: Area of interest (path, GeoDataFrame, GeoSeries or a shapely geometry in the
            predictions' CRS). Both sides are clipped to it and it is the evaluated extent.
        conf: Minimum score of the predictions counted in precision, recall, F1 and the area
            metrics; AP always uses every prediction.
        class_names: Classes expected in this evaluation (e.g. the model's); they are listed
            even when absent, and predicted classes in it are not reported as unknown.

    Returns:
        The metrics; see :class:`MapMetrics` and the module docs for the exact semantics.

    Raises:
        VectorReadError: A file is missing or unreadable, a layer has no CRS, the labels are
            empty or not polygons or lack ``class_field``, the two layers do not overlap,
            predictions lack a ``class`` field or have non-numeric scores.
        InvalidParameterError: ``conf`` is outside [0, 1] or a class is named ``background``.

    Warns:
        LandSegWarning: Predictions have no ``score`` field, or predict unknown classes.
    """
    check_fraction(conf, "Confidence threshold", example=defaults.CONFIDENCE)
    label_frame, label_name = read_vector(labels, "Labels", layer=labels_layer)
    require_polygons(label_frame, label_name)
    if class_value is not None or class_map:
        label_frame, class_field = _assigned_classes(
            label_frame, class_field, class_value, class_map
        )
    pred, label, crs, region = _read_sides(predictions, (label_frame, label_name), class_field, aoi)
    label.names = unify_spellings(label.names, class_names or (), name=label_name).astype(str)
    known = [*(class_names or ()), *dict.fromkeys(label.names.tolist())]
    pred.names = unify_spellings(pred.names, known, name="Predictions").astype(str)
    classes, unknown = _class_order(pred, label, class_names)
    codes = {name: i for i, name in enumerate(classes)}
    pred_codes = np.array([codes[n] for n in pred.names], dtype=np.int64)
    label_codes = np.array([codes[n] for n in label.names], dtype=np.int64)

    order, matched = match(pred.geometries, pred_codes, pred.scores, label.geometries, label_codes)
    above = pred.scores >= conf
    confusion, evaluated_m2 = area_confusion(
        pred.geometries[above],
        pred_codes[above],
        pred.scores[above],
        label.geometries,
        label_codes,
        n_classes=len(classes),
        region=region,
        extent_geometries=np.concatenate([pred.geometries, label.geometries]),
    )
    area_m2_per_unit = crs.axis_info[0].unit_conversion_factor ** 2 if crs.axis_info else 1.0
    confusion *= area_m2_per_unit
    evaluated_m2 *= area_m2_per_unit

    per_class = {
        name: _class_metrics(k, pred_codes, label_codes, order, matched, above, confusion)
        for k, name in enumerate(classes)
    }
    return _summary(
        per_class,
        confusion,
        evaluated_m2,
        unknown=unknown,
        region=region,
        sides=(pred, label),
        conf=conf,
        crs=crs,
    )


def _read_sides(
    predictions: VectorSource,
    labels: tuple[gpd.GeoDataFrame, str],
    class_field: str,
    aoi: AreaOfInterest | None,
) -> tuple[Layer, Layer, CRS, BaseGeometry | None]:
    """Both sides read, in the evaluation CRS and clipped to the area of interest, if any."""
    pred_frame, pred_name = read_vector(predictions, "Predictions")
    label_frame, label_name = labels
    crs = evaluation_crs(pred_frame, pred_name, label_frame, label_name)
    region = area_of_interest(aoi, crs, pred_frame.crs or label_frame.crs)
    # stacklevel 3: a missing-score warning points at the caller of evaluate_map.
    pred = prepare(pred_frame, pred_name, crs, PREDICTION_CLASS_FIELD, scored=True, stacklevel=3)
    label = prepare(label_frame, label_name, crs, class_field, scored=False)
    if region is not None:
        clip(pred, region)
        clip(label, region)
        if not len(label.geometries) and not len(pred.geometries):
            raise VectorReadError(
                Message("evaluation.aoi_empty", predictions=pred_name, labels=label_name)
            )
    if len(pred.geometries) and len(label.geometries):
        extents = [shapely.box(*shapely.total_bounds(side.geometries)) for side in (pred, label)]
        if not extents[0].intersects(extents[1]):
            raise VectorReadError(
                Message("evaluate.no_overlap", predictions=pred_name, labels=label_name)
            )
    return pred, label, crs, region


def _assigned_classes(
    frame: gpd.GeoDataFrame,
    class_field: str,
    class_value: str | None,
    class_map: Mapping[str, str] | None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Labels with their class in a field of its own: one value for all, or renamed values."""
    field = "__landseg_class"
    if class_value is not None:
        values = pd.Series(class_value, index=frame.index, dtype=object)
    elif class_field in frame.columns:
        values = frame[class_field].map(lambda v: class_map.get(str(v), v) if pd.notna(v) else v)
    else:
        return frame, class_field  # prepare() names the missing field
    return frame.assign(**{field: values}), field


def _class_order(
    pred: Layer, label: Layer, class_names: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """Report order of the classes (given, then labelled, then unknown) and the unknown ones.

    Raises:
        InvalidParameterError: A class is named ``background``.

    Warns:
        LandSegWarning: Predictions have classes neither labelled nor in ``class_names``.
    """
    known = list(dict.fromkeys(str(c) for c in (class_names or ())))
    label_classes = sorted(set(label.names.tolist()) - set(known))
    unknown = sorted(set(pred.names.tolist()) - set(known) - set(label_classes))
    classes = known + label_classes + unknown
    if BACKGROUND in classes:
        raise InvalidParameterError(Message("evaluate.background"))
    if unknown:
        warnings.warn(
            Message("evaluate.unknown_classes", classes=unknown),
            LandSegWarning,
            stacklevel=3,  # the caller of evaluate_map
        )
    return classes, unknown


def _class_metrics(
    k: int,
    pred_codes: np.ndarray,
    label_codes: np.ndarray,
    order: np.ndarray,
    matched: np.ndarray,
    above: np.ndarray,
    confusion: np.ndarray,
) -> ClassMetrics:
    """Metrics of class code ``k`` from the matching and the area confusion matrix (m²).

    Args:
        k: Class code.
        pred_codes: Class code per prediction.
        label_codes: Class code per label.
        order: Score order of the predictions, as :func:`match` returns it.
        matched: (thresholds, predictions) matches, as :func:`match` returns them.
        above: Whether each prediction's score is at least ``conf``.
        confusion: Area confusion matrix in m², background last.
    """
    in_class = pred_codes[order] == k
    n_labels = int(np.sum(label_codes == k))
    ap = average_precision(matched[:, order[in_class]], n_labels)
    n_above = int(np.sum(above & (pred_codes == k)))
    hits = int(np.sum(matched[0] & above & (pred_codes == k)))
    precision, recall = _ratio(hits, n_above), _ratio(hits, n_labels)
    both, label_area, pred_area = confusion[k, k], confusion[k].sum(), confusion[:, k].sum()
    return ClassMetrics(
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


def _summary(
    per_class: dict[str, ClassMetrics],
    confusion: np.ndarray,
    evaluated_m2: float,
    *,
    unknown: list[str],
    region: BaseGeometry | None,
    sides: tuple[Layer, Layer],
    conf: float,
    crs: CRS,
) -> MapMetrics:
    """The :class:`MapMetrics`: means over the classes with labels or predictions, and notes."""
    omitted = [n for n, m in per_class.items() if m.instances == 0 and m.predictions == 0]
    counted = [m for n, m in per_class.items() if n not in omitted]

    def mean(field: str) -> float:
        return float(np.mean([getattr(m, field) for m in counted])) if counted else 0.0

    pred, label = sides
    axis = [*per_class, BACKGROUND]
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


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else 0.0


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
    notes = _notes(metrics)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _notes(metrics: MapMetrics) -> list[str]:
    """Footnotes of :func:`format_table`: omitted and unknown classes, repairs and drops."""
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
    return notes
