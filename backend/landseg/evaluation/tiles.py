"""Dataset-level evaluation: ultralytics validation, reported per class for box and mask.

The figures and their meaning are ultralytics' own (precision and recall at the confidence
that maximises F1, mAP50, mAP50-95), put into plain dictionaries for tables, JSON and reports.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from landseg import defaults
from landseg.errors import InvalidParameterError
from landseg.extras import require_training
from landseg.inference.runtimes.devices import resolve_device
from landseg.io.coco_dataset import read_dataset
from landseg.io.yolo_dataset import write_view
from landseg.messages import Message
from landseg.spelling import look_alike_hint, unify_spellings

METRIC_NAMES = ("precision", "recall", "map50", "map50_95")


def _pairs(values: Sequence[float]) -> dict[str, float]:
    return {name: round(float(v), 6) for name, v in zip(METRIC_NAMES, values, strict=True)}


def metrics_to_dict(metrics: Any, class_names: Sequence[str]) -> dict[str, Any]:
    """Per-class and overall box and mask metrics from ultralytics ``SegmentMetrics``."""
    instances = getattr(metrics, "nt_per_class", None)
    per_class = {}
    for i, class_index in enumerate(metrics.box.ap_class_index):
        result = metrics.class_result(i)
        name = class_names[int(class_index)]
        per_class[name] = {
            "instances": int(instances[int(class_index)]) if instances is not None else None,
            "box": _pairs(result[:4]),
            "mask": _pairs(result[4:8]),
        }
    empty = {"instances": 0, "box": None, "mask": None}  # no labels in the validation split
    per_class = {name: per_class.get(name, empty) for name in class_names}
    results = metrics.mean_results()
    return {
        "overall": {
            "instances": int(instances.sum()) if instances is not None else None,
            "box": _pairs(results[:4]),
            "mask": _pairs(results[4:8]),
        },
        "classes": per_class,
    }


def evaluate_dataset(
    model_path: str | Path,
    data: str | Path,
    *,
    split: str = "val",
    imgsz: int | None = None,
    batch: int = defaults.BATCH_TILES,
    device: str = defaults.DEVICE,
    conf: float = 0.001,
    iou: float = 0.7,
    class_map: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Validate a ``.pt``/``.onnx`` model on a YOLO-seg dataset split; per-class figures.

    The dataset is read through a temporary view (``write_view()``), so nothing is written
    into it. Classes are matched by name: a dataset that lists the model's classes in another
    order is renumbered in the view, names spelled another way (``Rice_Fields``) are read as the
    model spells them, ``class_map`` renames others (``{"Barren-Land": "Baren-Land"}``), and a
    class the model does not know is refused, with the ``--class-map`` a look-alike suggests.

    Raises:
        InvalidParameterError: The split does not exist, or the dataset has classes the model
            does not know.
    """
    from landseg.inference.runtimes.loading import load

    require_training("landseg evaluate --data (tile-level figures, computed by ultralytics)")
    with tempfile.TemporaryDirectory(prefix="landseg-val-") as runs:
        dataset = read_dataset(data, convert_into=Path(runs) / "coco", splits=[split])
        segmenter = load(model_path, device=device, runtime="ultralytics")  # its validator
        dataset.class_names = _as_model_spells(dataset, segmenter, class_map or {})
        view = write_view(
            dataset, Path(runs) / "data", class_names=segmenter.class_names, splits=[split]
        )
        metrics = segmenter.yolo.val(
            data=str(view),
            split=split,
            imgsz=imgsz or segmenter.info.input_size_px or segmenter.info.tile_size_px,
            batch=batch,
            device=resolve_device(device),
            conf=conf,
            iou=iou,
            plots=False,
            verbose=False,
            project=runs,
            name="val",
            workers=0,
        )
    return metrics_to_dict(metrics, segmenter.class_names)


def _as_model_spells(dataset, segmenter, class_map: Mapping[str, str]) -> list[str]:
    """The dataset's class names as the model spells them; unknown ones are refused."""
    names = [class_map.get(name, name) for name in dataset.class_names]
    names = list(unify_spellings(names, segmenter.class_names, name="The dataset"))
    unknown = [name for name in names if name not in segmenter.class_names]
    if unknown:
        hint = look_alike_hint(unknown, segmenter.class_names)
        known = segmenter.class_names
        raise InvalidParameterError(
            Message("evaluate.model_classes_look_alike", classes=unknown, known=known, hint=hint)
            if hint
            else Message("evaluate.model_classes", classes=unknown, known=known)
        )
    return names


def format_table(result: dict[str, Any]) -> str:
    """A terminal table: one row per class and one for all classes."""
    header = (
        f"{'class':<14}{'inst':>6}  {'P(B)':>6}{'R(B)':>6}{'mAP50(B)':>9}{'50-95(B)':>9}"
        f"  {'P(M)':>6}{'R(M)':>6}{'mAP50(M)':>9}{'50-95(M)':>9}"
    )
    rows = [header, "-" * len(header)]
    entries = [*result["classes"].items(), ("all", result["overall"])]
    for name, entry in entries:
        cells = []
        for kind in ("box", "mask"):
            values = entry[kind]
            if values is None:
                cells.append(f"{'-':>6}{'-':>6}{'-':>9}{'-':>9}")
            else:
                cells.append(
                    f"{values['precision']:>6.3f}{values['recall']:>6.3f}"
                    f"{values['map50']:>9.3f}{values['map50_95']:>9.3f}"
                )
        rows.append(f"{name:<14}{entry['instances'] or 0:>6}  {cells[0]}  {cells[1]}")
    return "\n".join(rows)
