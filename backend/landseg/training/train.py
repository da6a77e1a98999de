"""Fine-tuning on a LandSeg dataset, with a continued phase and a complete run record.

A run folder holds one ultralytics run per phase (``main/``, ``continued/``), the final
``best.pt`` (carrying LandSeg's model metadata), ``record.json`` and ``epochs.csv``. The
record is rewritten after every epoch, so an interrupted run keeps what it learnt and can be
resumed with :func:`resume`.

``device`` may list several CUDA GPUs (``0,1``): ultralytics then trains with
DistributedDataParallel in worker processes it starts itself, ``batch`` is split over the
GPUs (so it must divide evenly), and the epochs are recorded by the first GPU's process.
Progress and the cancel token stay in this process and cannot reach those workers: with
several GPUs, per-epoch progress is not reported and a run stops on Ctrl-C (or when it ends).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from landseg import __version__, defaults
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning
from landseg.evaluation.tiles import evaluate_dataset
from landseg.extras import require_training
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import ModelInfo, file_sha256, write_model_info
from landseg.io.atomic import hidden_sibling
from landseg.io.coco_dataset import read_dataset
from landseg.io.folders import check_replaceable_folder, foreign_entries, record_folder, swap_in
from landseg.io.yolo_dataset import YoloDataset, renamed, write_view
from landseg.messages import Message
from landseg.review.calibration_data import calibration_of, dataset_outcomes
from landseg.training.base_model import dataset_names_for_base, matched_base_model
from landseg.training.callbacks import Callbacks, recover_epochs
from landseg.training.inspection import leak_message, same_sources
from landseg.training.options import (
    TrainOptions,
    augmentation,
    base_model_file,
    check_options,
    resolve_class_weights,
    training_devices,
)
from landseg.training.record import BEST_NAME, RUN_KIND, RunRecord

PHASES = ("main", "continued")
ProgressCallback = Callable[[float, str], None]


def _dataset_stats(dataset: YoloDataset) -> dict[str, Any]:
    """The export's ``stats.json``; for a dataset from elsewhere, its instances and balanced
    weights counted from its labels."""
    stats = dataset.yaml_path.parent / "stats.json"
    if stats.is_file():
        return json.loads(stats.read_text())
    from landseg.training.dataset import balanced_class_weights

    names = dataset.class_names
    totals = {n: dataset.instances["train"][n] + dataset.instances["val"][n] for n in names}
    weights = balanced_class_weights([totals[n] for n in names])
    return {"instances": totals, "class_weights": dict(zip(names, weights, strict=True))}


def _renamed_stats(stats: dict[str, Any], old: list[str], new: list[str]) -> dict[str, Any]:
    """``stats`` with its per-class entries under the classes' new names."""
    to_new = dict(zip(old, new, strict=True))
    per_class = ("instances", "class_weights")
    return stats | {
        key: {to_new.get(name, name): value for name, value in stats[key].items()}
        for key in per_class
        if isinstance(stats.get(key), dict)
    }


def _training_yaml(dataset: YoloDataset, *, view: bool) -> Path:
    """What ultralytics trains on: a LandSeg export as it is; a dataset from elsewhere
    (Roboflow, CVAT, ...) or with its classes renamed (``view``) through a view in LandSeg's
    cache, so nothing is written into it."""
    if not view and foreign_entries(dataset.yaml_path.parent, kind="dataset") is not None:
        return dataset.yaml_path
    return write_view(dataset, _views_folder(dataset.yaml_path, "view"))


def _views_folder(data: str | Path, kind: str) -> Path:
    """LandSeg's own folder for a view (or conversion) of the dataset at ``data``."""
    from landseg.training.pretrained import weights_folder

    path = Path(data).absolute()
    key = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return weights_folder().parent / "datasets" / f"{path.stem}-{kind}-{key}"


def _library_versions() -> dict[str, str]:
    import numpy
    import torch
    import ultralytics

    return {
        "landseg": __version__,
        "ultralytics": ultralytics.__version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


def train(
    options: TrainOptions,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: Any = None,
) -> Path:
    """Run a fine-tuning (and optional continued phase); returns the final ``best.pt``.

    Everything is checked before the run folder is touched. A run that replaces an earlier one
    (``overwrite``) trains in a folder beside it and takes its place only when complete; the
    earlier run is kept until then (an interrupted replacement is resumed from its own folder,
    named in the message).
    """
    require_training("landseg train")
    check_options(options)
    dataset = read_dataset(options.data, convert_into=_views_folder(options.data, "coco"))
    leaks = same_sources(dataset)
    if leaks:
        warnings.warn(leak_message(len(leaks), next(iter(leaks))), LandSegWarning, stacklevel=2)
    class_names, stats = dataset.class_names, _dataset_stats(dataset)
    dataset_names = list(class_names)
    weights = resolve_class_weights(options.class_weights, class_names, stats)
    target = Path(options.run_dir).absolute()
    check_replaceable_folder(
        target,
        overwrite=overwrite,
        kind=RUN_KIND,
        inputs=[dataset.yaml_path.parent, options.base_model],
    )
    say = (lambda message: progress(0.0, message)) if progress else None
    options = replace(options, base_model=base_model_file(options.base_model, say))
    names = dataset_names_for_base(class_names, options.base_model, options.class_map)
    if names != class_names:
        dataset, stats = renamed(dataset, names), _renamed_stats(stats, class_names, names)
        class_names = names
    yaml_path = _training_yaml(dataset, view=names != dataset_names)
    replacing = target.is_dir() and any(target.iterdir())
    run_dir = target
    if replacing:
        run_dir = hidden_sibling(target, f"{uuid.uuid4().hex[:8]}.partial")
    imgsz = options.imgsz or int(stats.get("tile_size_px", defaults.TILE_SIZE_PX))
    base_path = Path(options.base_model)
    run_dir.mkdir(parents=True, exist_ok=True)
    record_folder(run_dir, kind=RUN_KIND)
    record = RunRecord(
        run_dir,
        {
            "landseg_version": __version__,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "arguments": asdict(options) | {"imgsz": imgsz},
            "library_versions": _library_versions(),
            "device": ",".join(training_devices(options.device, options.batch)),
            "dataset": {
                "data_yaml": str(yaml_path),
                "source": str(dataset.yaml_path),
                "class_names": class_names,
                **stats,
            },
            "class_weights": dict(zip(class_names, weights, strict=True)) if weights else None,
            "base_model": {
                "path": str(base_path),
                "sha256": file_sha256(base_path) if base_path.is_file() else None,
            },
            "phases": _phases(options, imgsz),
            "epochs": [],
            "final": None,
            "replaces": str(target) if replacing else None,
        },
    )
    record.save()
    try:
        return _run_phases(record, progress=progress, cancel=cancel, resume=False)
    except BaseException as error:
        if not record.content["epochs"]:  # nothing learnt: leave no folder in the way
            shutil.rmtree(run_dir, ignore_errors=True)
        elif replacing and isinstance(error, Cancelled):
            raise Cancelled(Message("train.interrupted_kept", path=target, run=run_dir)) from None
        raise


def _phases(options: TrainOptions, imgsz: int) -> list[dict[str, Any]]:
    """The run's phases: the main one, and the continued one at a lower learning rate."""
    phases = [
        {
            "name": "main",
            "epochs": options.epochs,
            "lr0": options.lr0,
            "lrf": options.lrf,
            "imgsz": imgsz,
            "copy_paste": options.copy_paste,
            "augmentation": augmentation(options.augment),
            "status": "pending",
        }
    ]
    if options.continue_epochs:
        phases.append(
            {
                "name": "continued",
                "epochs": options.continue_epochs,
                "lr0": options.continue_lr,
                "lrf": 1.0,
                "imgsz": imgsz,
                "copy_paste": round(options.copy_paste * options.continue_augment, 4),
                # reduced augmentation, and whole images: no mosaic in the fine phase
                "augmentation": augmentation(options.augment * options.continue_augment)
                | {"mosaic": 0.0},
                "status": "pending",
            }
        )
    return phases


def resume(
    run_dir: str | Path, *, progress: ProgressCallback | None = None, cancel: Any = None
) -> Path:
    """Continue an interrupted run from its last saved epoch."""
    require_training("landseg train --resume")
    record = RunRecord.load(Path(run_dir).absolute())
    if all(p["status"] == "complete" for p in record.content["phases"]) and record.content["final"]:
        raise InvalidParameterError(Message("train.complete", run=run_dir))
    return _run_phases(record, progress=progress, cancel=cancel, resume=True)


def _run_phases(record: RunRecord, *, progress, cancel, resume: bool) -> Path:
    from landseg.offline import import_ultralytics

    import_ultralytics()
    from ultralytics import YOLO

    content = record.content
    options = content["arguments"]
    class_names = content["dataset"]["class_names"]
    weights = list(content["class_weights"].values()) if content["class_weights"] else None
    total = sum(p["epochs"] for p in content["phases"])
    content.setdefault("warnings", [])
    previous_best: Path | None = None
    epochs_before = 0
    for phase in content["phases"]:
        phase_dir = record.run_dir / phase["name"]
        last = phase_dir / "weights" / "last.pt"
        if phase["status"] == "complete":
            previous_best = record.run_dir / phase["best_weights"]
            epochs_before += phase["epochs"]
            continue
        callbacks = Callbacks(
            record, phase["name"], weights, progress, cancel, epochs_before, total
        )
        if resume and phase["status"] == "interrupted" and last.is_file():
            recover_epochs(record, phase, epochs_before)
            model = YOLO(str(last))
            arguments = {"resume": str(last)}
        else:
            start = str(previous_best) if previous_best else options["base_model"]
            if previous_best is None:
                start = matched_base_model(start, class_names, record.run_dir, content["warnings"])
            model = YOLO(start, task="segment")
            arguments = _ultralytics_arguments(options, phase, content["dataset"]["data_yaml"])
            arguments["project"], arguments["name"] = str(record.run_dir), phase["name"]
        for event in (
            "on_train_start",
            "on_train_batch_end",
            "on_train_epoch_end",
            "on_fit_epoch_end",
        ):
            model.add_callback(event, getattr(callbacks, event))
        phase["status"] = "running"
        phase["started_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record.save()
        try:
            model.train(**arguments)
            if "," in content["device"]:  # the GPUs' worker processes wrote the epochs
                _reload_epochs(record, phase["name"])
        except BaseException as error:
            phase["status"] = "interrupted"
            phase["interruption"] = type(error).__name__
            record.save()
            if isinstance(error, KeyboardInterrupt):
                raise Cancelled(Message("train.interrupted")) from None
            raise
        phase["status"] = "complete"
        phase["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        previous_best = phase_dir / "weights" / "best.pt"
        phase["best_weights"] = str(previous_best.relative_to(record.run_dir))
        epochs_before += phase["epochs"]
        record.save()
    return _finish(record, _best_of_phases(record))


def _best_of_phases(record: RunRecord) -> Path:
    """The best weights over all phases, by ultralytics' own fitness (a continued phase that
    did not improve on the main one does not replace it)."""
    import torch

    best_path, best_fitness = None, -1.0
    for phase in record.content["phases"]:
        path = record.run_dir / phase["best_weights"]
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        metrics = checkpoint.get("train_metrics") or {}
        fitness = float(metrics.get("fitness") or checkpoint.get("best_fitness") or 0.0)
        phase["best_fitness"] = round(fitness, 6)
        if fitness > best_fitness:
            best_path, best_fitness = path, fitness
    assert best_path is not None
    record.content["selected_weights"] = str(best_path.relative_to(record.run_dir))
    return best_path


def _reload_epochs(record: RunRecord, phase_name: str) -> None:
    """Take the epochs that multi-GPU worker processes recorded on disk into ``record``."""
    on_disk = RunRecord.load(record.run_dir)
    record.content["epochs"] = on_disk.content["epochs"]
    for key in ("epochs_done", "class_weights_in_loss"):
        if key in on_disk.phase(phase_name):
            record.phase(phase_name)[key] = on_disk.phase(phase_name)[key]


def _ultralytics_arguments(options: dict[str, Any], phase: dict[str, Any], data: str) -> dict:
    devices = training_devices(options["device"], options["batch"])
    device = devices[0]
    return {
        "data": data,
        "epochs": phase["epochs"],
        "imgsz": phase["imgsz"],
        "batch": options["batch"],  # with several GPUs, the total over all of them
        "device": "cpu" if device == "cpu" else ",".join(d.split(":")[1] for d in devices),
        "optimizer": "AdamW",  # an explicit optimizer, so that lr0 is honoured
        "lr0": phase["lr0"],
        "lrf": phase["lrf"],
        "warmup_epochs": 0 if phase["name"] == "continued" else 1,
        "cls_pw": 0.0,  # LandSeg sets the class weights itself
        "copy_paste": phase["copy_paste"],
        "copy_paste_mode": options["copy_paste_mode"],
        "patience": options["patience"],
        "seed": options["seed"],
        "deterministic": True,
        # records of version 0.1 named it "workers"
        "workers": options.get("loader_workers", options.get("workers", defaults.LOADER_WORKERS)),
        "close_mosaic": 0 if phase["name"] == "continued" else max(1, phase["epochs"] // 5),
        "amp": device != "cpu",
        "plots": False,
        "exist_ok": True,
        "verbose": False,
        **phase["augmentation"],
        **options.get("extra", {}),
    }


def _calibrate(model: Path, data: str) -> dict[str, Any]:
    """Fit ``p_correct`` on the validation tiles and store it in the run's model; what it
    held out of fold (or why there is none: too few polygons)."""
    try:
        segmenter = load(model, device="cpu", runtime="torch", conf=defaults.REVIEW_FLOOR)
        outcomes = dataset_outcomes(segmenter, data)
        calibration = calibration_of(outcomes, source="the run's validation tiles")
    except InvalidParameterError as error:
        return {"skipped": str(error)}
    write_model_info(model, replace(segmenter.info, calibration=calibration.to_dict()))
    return {**calibration.held_out, "fits": calibration.polygons}  # polygons per fit


def _finish(record: RunRecord, best_weights: Path) -> Path:
    """Copy the best weights, give them LandSeg's metadata, and evaluate them per class."""
    content = record.content
    stats = content["dataset"]
    final = record.run_dir / BEST_NAME
    temporary = record.run_dir / f".{BEST_NAME}.partial.pt"
    shutil.copyfile(best_weights, temporary)
    write_model_info(
        temporary,
        ModelInfo(
            class_names=stats["class_names"],
            tile_size_px=int(stats.get("tile_size_px") or content["arguments"]["imgsz"]),
            overlap_px=int(stats.get("overlap_px") or 64),
            bands=list(stats.get("bands") or [1, 2, 3]),
            pixel_size_m=stats.get("pixel_size_m"),
            pixel_size_range_m=stats.get("pixel_size_range_m"),
            input_size_px=int(content["arguments"]["imgsz"]),
        ),
    )
    content["calibration"] = _calibrate(temporary, stats["data_yaml"])
    os.replace(temporary, final)
    started = time.perf_counter()
    evaluation = evaluate_dataset(
        final,
        stats["data_yaml"],
        device=content["device"].split(",")[0],  # one GPU is plenty for validation
        batch=content["arguments"]["batch"],
    )
    content["final"] = {
        "model": BEST_NAME,
        "sha256": file_sha256(final),
        "evaluated_on": "val",
        "evaluation_s": round(time.perf_counter() - started, 2),
        **evaluation,
    }
    content["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    record.save()
    if content.get("replaces"):  # the run it replaces is set aside and removed only now
        target = Path(content["replaces"])
        swap_in(record.run_dir, target, kind=RUN_KIND)
        return target / BEST_NAME
    return final
