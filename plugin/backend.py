"""The backend's command line as the plugin uses it: argument lists and small blocking calls.

Only plain values here (paths, numbers, names); the QGIS side turns layers into paths first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .paths import absolute_input as _in
from .paths import absolute_output as _out
from .worker import WorkerError, WorkerRun, last_json_object, run_worker

LAYER_NAME = "landcover"  # the layer landseg segment writes into its GeoPackage
MODEL_FILTER_EXTENSIONS = (".pt", ".onnx")
MODEL_INFO_TIMEOUT_S = 300
# Published ultralytics COCO weights the backend downloads once when a fine-tune starts from one
# (names as landseg.training.pretrained.PUBLISHED), with their approximate size in MB.
PUBLISHED_BASE_MODELS = {
    "yolov8n-seg.pt": 7,
    "yolov8s-seg.pt": 24,
    "yolov8m-seg.pt": 55,
    "yolov8l-seg.pt": 92,
    "yolov8x-seg.pt": 144,
    "yolo11n-seg.pt": 6,
    "yolo11s-seg.pt": 20,
    "yolo11m-seg.pt": 45,
    "yolo11l-seg.pt": 56,
    "yolo11x-seg.pt": 125,
}


def _number(value: float) -> str:
    return f"{value:g}"


def segment_args(
    raster: str,
    output: str,
    *,
    model: str | None = None,
    tile_size_px: int | None = None,
    overlap_px: int | None = None,
    conf: float = 0.25,
    device: str = "auto",
    min_area_m2: float = 1.0,
    simplify_tolerance_m: float | None = None,
    overwrite: bool = False,
    resume: bool = False,
    checkpoint: bool | None = None,
    review: bool = False,
    aoi: str | None = None,
    bbox: Sequence[float] | None = None,
    pixel_size_m: float | None = None,
    crs: str | None = None,
    min_p_correct: float | None = None,
) -> list[str]:
    """``landseg segment``; ``aoi`` a polygon file, ``bbox`` in the raster's CRS; ``resume``
    continues an interrupted run, ``checkpoint`` False keeps no work file if the run stops;
    ``review`` adds each polygon's review priority and the ``review`` layer; ``min_p_correct``
    keeps only polygons at least that likely to be right (a calibrated model).

    Here and in the other ``*_args``, relative paths become absolute (see :mod:`.paths`).
    """
    args = ["segment", _in(raster), "-o", _out(output), "--conf", _number(conf)]
    args += ["--device", device]
    if aoi:
        args += ["--aoi", _in(aoi)]
    if bbox is not None:
        args += ["--bbox", ",".join(repr(float(v)) for v in bbox)]
    if pixel_size_m:
        args += ["--pixel-size", _number(pixel_size_m)]
    if crs:
        args += ["--crs", crs]  # a raster without a CRS of its own gets the layer's
    if model:
        args += ["--model", _in(model)]
    if tile_size_px:
        args += ["--tile-size", str(int(tile_size_px))]
    if overlap_px is not None:
        args += ["--overlap", str(int(overlap_px))]
    args += ["--min-area-m2", _number(min_area_m2)]
    if simplify_tolerance_m is not None:
        args += ["--simplify-m", _number(simplify_tolerance_m)]
    if overwrite:
        args.append("--overwrite")
    if resume:
        args.append("--resume")
    if review:
        args.append("--review")
    if min_p_correct is not None:
        args += ["--min-p-correct", _number(min_p_correct)]
    if checkpoint is not None:
        args.append("--checkpoint" if checkpoint else "--no-checkpoint")
    return [*args, "--progress", "json"]


def tiling_problems(tile_size_px: int | None, overlap_px: int | None) -> list[str]:
    """What is wrong with a tile size and overlap (empty when fine), as the backend checks."""
    from .translation import tr

    problems = []
    if tile_size_px and tile_size_px % 32:
        problems.append(
            tr("The tile size ({tile} px) must be a multiple of 32.").format(tile=tile_size_px)
        )
    if tile_size_px and overlap_px is not None and overlap_px * 2 >= tile_size_px:
        problems.append(
            tr("The overlap ({overlap} px) must be less than half the tile size.").format(
                overlap=overlap_px
            )
        )
    return problems


def class_map_text(mapping: Mapping[str, str]) -> str:
    """``value=class,...`` for ``--class-map``."""
    return ",".join(f"{value}={name}" for value, name in mapping.items())


def unsafe_class_values(values: Sequence[str]) -> list[str]:
    """Label values the ``--class-map`` syntax cannot carry (they contain ',' or '=')."""
    return [v for v in values if "," in v or "=" in v]


def export_dataset_args(
    rasters: Sequence[str],
    labels: str,
    output: str,
    *,
    val_fraction: float | None = None,
    seed: int | None = None,
    **options: Any,
) -> list[str]:
    """``landseg export-dataset`` from rasters and a label file (``options``: those of
    :func:`object_sizes_args`); with ``auto_scale``, the pixel and tile size are the ones at
    which most labelled objects are seen whole."""
    args = [*_labelled("export-dataset", rasters, labels, **options), "-o", _out(output)]
    if val_fraction is not None:
        args += ["--val-fraction", _number(val_fraction)]
    if seed is not None:
        args += ["--seed", str(int(seed))]
    return args


def object_sizes_args(rasters: Sequence[str], labels: str, **options: Any) -> list[str]:
    """``landseg object-sizes``: how the labelled objects of that export fit its tiles."""
    return _labelled("object-sizes", rasters, labels, **options)


def parse_object_sizes(run: WorkerRun) -> dict[str, Any]:
    """The sizes, summary and suggestion an ``object-sizes`` run printed."""
    return _printed(run, "object_sizes", "The LandSeg worker printed no object sizes.")


def _labelled(
    command: str,
    rasters: Sequence[str],
    labels: str,
    *,
    class_field: str | None = "class",
    class_value: str | None = None,
    class_map: Mapping[str, str] | None = None,
    classes: Sequence[str] | None = None,
    tile_size_px: int | None = None,
    overlap_px: int | None = None,
    crs: str | None = None,
    auto_scale: bool = False,
) -> list[str]:
    """``command`` over rasters and a label file, with its label and tile options."""
    args = [command, *map(_in, rasters), "--labels", _in(labels)]
    if class_value:
        args += ["--class-value", class_value]
    elif class_field:
        args += ["--class-field", class_field]
    if class_map:
        args += ["--class-map", class_map_text(class_map)]
    if classes:
        args += ["--classes", ",".join(classes)]
    if tile_size_px:
        args += ["--tile-size", str(int(tile_size_px))]
    if overlap_px is not None:
        args += ["--overlap", str(int(overlap_px))]
    if crs:
        args += ["--crs", crs]
    if auto_scale:
        args.append("--auto-scale")
    return args


def export_reviewed_args(raster: str, reviewed: str, output: str) -> list[str]:
    """``landseg export-dataset --reviewed``: training data from a layer reviewed in QGIS.

    Accepted and corrected polygons become labels, rejected ones negatives; only the reviewed
    extent is used. ``reviewed`` may name its layer as ``file.gpkg|layername=NAME``.
    """
    return ["export-dataset", _in(raster), "--reviewed", _in(reviewed), "-o", _out(output)]


def train_args(
    data: str,
    run_dir: str,
    *,
    base_model: str | None,
    epochs: int,
    imgsz: int | None = None,
    batch: int | None = None,
    device: str = "auto",
    class_weights: str = "balanced",
    copy_paste: float | None = None,
    lr0: float | None = None,
    continue_epochs: int = 0,
    continue_lr: float | None = None,
) -> list[str]:
    """``landseg train``; the keywords are the backend's option names (``TrainOptions``)."""
    args = ["train", "--data", _in(data), "-o", _out(run_dir), "--epochs", str(int(epochs))]
    if base_model:  # a file, or the name of published weights (not a path)
        published = base_model in PUBLISHED_BASE_MODELS
        args += ["--model", base_model if published else _in(base_model)]
    if imgsz:
        args += ["--imgsz", str(int(imgsz))]
    if batch:
        args += ["--batch", str(int(batch))]
    args += ["--device", device, "--class-weights", class_weights]
    if copy_paste is not None:
        args += ["--copy-paste", _number(copy_paste)]
    if lr0 is not None:
        args += ["--lr", _number(lr0)]
    if continue_epochs:
        args += ["--continue-epochs", str(int(continue_epochs))]
        if continue_lr is not None:
            args += ["--continue-lr", _number(continue_lr)]
    return [*args, "--progress", "json"]


def evaluate_args(
    *,
    json_path: str,
    model: str | None = None,
    data: str | None = None,
    predictions: str | None = None,
    labels: str | None = None,
    class_field: str | None = None,
    conf: float | None = None,
    device: str = "auto",
) -> list[str]:
    """``landseg evaluate``: of a map (predictions and labels) or of a model on a dataset."""
    args = ["evaluate"]
    if predictions or labels:
        args += ["--predictions", _in(str(predictions)), "--labels", _in(str(labels))]
        if class_field:
            args += ["--class-field", class_field]
        if conf is not None:
            args += ["--conf", _number(conf)]
    else:
        if model:
            args += ["--model", _in(model)]
        args += ["--data", _in(str(data)), "--device", device]
    return [*args, "--json", _out(json_path), "--overwrite"]


def report_args(run_dir: str, output: str, *, overwrite: bool = False) -> list[str]:
    """``landseg report`` of a training run folder."""
    args = ["report", _in(run_dir), "-o", _out(output)]
    return [*args, "--overwrite"] if overwrite else args


def model_info_args(model: str | None, device: str = "auto") -> list[str]:
    """``landseg model-info``: a model's classes, tiling and the device it would use."""
    return ["model-info", *([_in(model)] if model else []), "--device", device]


def _printed(run: WorkerRun, key: str, missing: str) -> dict[str, Any]:
    """The last JSON object ``run`` printed, which must hold ``key``; else ``missing``."""
    answer = last_json_object(run.stdout)
    if answer is None or key not in answer:
        raise WorkerError(missing, details="\n".join(run.stdout + run.stderr))
    return answer


def parse_model_info(run: WorkerRun) -> dict[str, Any]:
    """The model description a ``model-info`` run printed."""
    return _printed(run, "class_names", "The LandSeg worker printed no model metadata.")


_info_cache: dict[tuple, dict[str, Any]] = {}


def _cache_key(python: str, model: str | None, device: str) -> tuple:
    stamp = None
    if model and os.path.isfile(model):
        stat = os.stat(model)
        stamp = (stat.st_mtime_ns, stat.st_size)
    return (python, str(Path(model).absolute()) if model else "", stamp, device)


def cached_model_info(python: str, model: str | None, device: str = "auto") -> dict | None:
    """The model description already read for these arguments, if any."""
    return _info_cache.get(_cache_key(python, model, device))


def remember_model_info(python: str, model: str | None, device: str, info: dict) -> None:
    """Keep a model description for the next lookup with these arguments."""
    _info_cache[_cache_key(python, model, device)] = info
    if not model and info.get("path"):  # the shipped model under its own path as well
        _info_cache[_cache_key(python, info["path"], device)] = info


def forget_model_info() -> None:
    """Drop every model description read so far (the environment changed)."""
    _info_cache.clear()


def model_info(python: str, model: str | None = None, device: str = "auto") -> dict[str, Any]:
    """A model's metadata (class names, tile size, overlap...) and the device ``auto`` picks.

    Blocking (a few seconds: the worker imports torch); results are cached per file version.
    """
    cached = cached_model_info(python, model, device)
    if cached is not None:
        return cached
    run = run_worker(python, model_info_args(model, device), timeout_s=MODEL_INFO_TIMEOUT_S)
    info = parse_model_info(run)
    remember_model_info(python, model, device, info)
    return info


def format_counts(counts: Mapping[str, int]) -> str:
    """'roof 12, farm 3' from polygons per class."""
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def class_weights_args(counts: Mapping[str, int]) -> list[str]:
    """``landseg class-weights``: the balanced weights export-dataset gives these counts."""
    return ["class-weights", "--counts", ",".join(f"{name}={n}" for name, n in counts.items())]


def parse_class_weights(run: WorkerRun) -> dict[str, float]:
    """The weights a ``class-weights`` run printed."""
    answer = _printed(run, "class_weights", "The LandSeg worker printed no class weights.")
    return {name: float(weight) for name, weight in answer["class_weights"].items()}
