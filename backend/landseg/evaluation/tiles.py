"""Dataset-level evaluation: ultralytics validation, reported per class for box and mask.

The figures and their meaning are ultralytics' own (precision and recall at the confidence
that maximises F1, mAP50, mAP50-95), put into plain dictionaries for tables, JSON and reports.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from landseg import defaults
from landseg.errors import InvalidParameterError
from landseg.inference.runtimes.devices import resolve_device

METRIC_NAMES = ("precision", "recall", "map50", "map50_95")


def data_yaml(data: str | Path) -> Path:
    """The ``data.yaml`` of a dataset folder (or the file itself)."""
    path = Path(data)
    candidate = path / "data.yaml" if path.is_dir() else path
    if not candidate.is_file():
        raise InvalidParameterError(
            f"'{data}' is not a YOLO-seg dataset (no data.yaml): give a folder written by "
            "landseg export-dataset, or its data.yaml."
        )
    return candidate


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
) -> dict[str, Any]:
    """Validate a ``.pt``/``.onnx`` model on a YOLO-seg dataset split; per-class figures.

    Classes are matched by name: a dataset that lists the model's classes in another order is
    renumbered for the validation (in a temporary copy of its labels), and one with a class the
    model does not know is refused.

    Raises:
        InvalidParameterError: The split does not exist, or the dataset has classes the model
            does not know.
    """
    from landseg.inference.runtimes.loading import load

    yaml_path = data_yaml(data)
    dataset_names, images = dataset_split(yaml_path, split)
    segmenter = load(model_path, device=device, runtime="ultralytics")  # its validator
    unknown = [name for name in dataset_names if name not in segmenter.class_names]
    if unknown:
        raise InvalidParameterError(
            f"The dataset has classes {unknown} that model '{Path(model_path).name}' does not "
            f"know (it knows {segmenter.class_names}): evaluate a model trained for them."
        )
    with tempfile.TemporaryDirectory(prefix="landseg-val-") as runs:
        if dataset_names != segmenter.class_names:
            yaml_path = _renumbered(images, dataset_names, segmenter.class_names, Path(runs))
            split = "val"
        metrics = segmenter.yolo.val(
            data=str(yaml_path),
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


def dataset_split(yaml_path: Path, split: str) -> tuple[list[str], Path]:
    """The dataset's class names and the image folder of ``split``.

    Raises:
        InvalidParameterError: ``data.yaml`` cannot be read or has no such split.
    """
    import yaml

    try:
        content = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        names = content["names"]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as error:
        raise InvalidParameterError(
            f"'{yaml_path}' is not a dataset description ({type(error).__name__}): give the "
            "folder landseg export-dataset wrote, or its data.yaml."
        ) from None
    names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    splits = [key for key in ("train", "val", "test") if content.get(key)]
    if split not in splits:
        raise InvalidParameterError(
            f"The dataset has no '{split}' split (it has {', '.join(splits)}): choose one of those."
        )
    root = Path(content.get("path") or yaml_path.parent)
    return [str(n) for n in names], root / str(content[split])


def _renumbered(images: Path, dataset_names, model_names, folder: Path) -> Path:
    """A dataset view whose labels use the model's class numbers; returns its ``data.yaml``."""
    view_images, view_labels = folder / "images" / "val", folder / "labels" / "val"
    view_labels.mkdir(parents=True)
    view_images.mkdir(parents=True)
    for image in images.iterdir():  # links file by file: ultralytics resolves folder links
        try:
            (view_images / image.name).symlink_to(image.absolute())
        except OSError:  # no symbolic links on this file system
            shutil.copyfile(image, view_images / image.name)
    new_id = [model_names.index(name) for name in dataset_names]
    labels = Path(str(images).replace(f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"))
    for label in labels.glob("*.txt"):
        lines = [line.split(maxsplit=1) for line in label.read_text().splitlines() if line]
        text = "".join(f"{new_id[int(parts[0])]} {parts[1]}\n" for parts in lines)
        (view_labels / label.name).write_text(text)
    names = "\n".join(f"  {i}: {json.dumps(n)}" for i, n in enumerate(model_names))
    description = folder / "data.yaml"
    description.write_text(
        f"path: {json.dumps(str(folder))}\ntrain: images/val\nval: images/val\nnames:\n{names}\n"
    )
    return description


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
