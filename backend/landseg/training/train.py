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
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from landseg import __version__, defaults
from landseg.errors import (
    Cancelled,
    InvalidParameterError,
    LandSegWarning,
    ModelLoadError,
    OutputExistsError,
)
from landseg.evaluation.tiles import data_yaml, evaluate_dataset, metrics_to_dict
from landseg.inference.models import ModelInfo, file_sha256, resolve_devices, write_model_info
from landseg.training.record import BEST_NAME, RunRecord

PHASES = ("main", "continued")
ProgressCallback = Callable[[float, str], None]

# Augmentation at strength 1.0; `augment` scales these, the continued phase halves them.
BASE_AUGMENTATION = {
    "hsv_h": 0.015,
    "hsv_s": 0.5,
    "hsv_v": 0.3,
    "degrees": 10.0,
    "translate": 0.1,
    "scale": 0.3,
    "fliplr": 0.5,
    "flipud": 0.5,
    "mosaic": 1.0,
}


@dataclass
class TrainOptions:
    """Everything a training run needs; stored verbatim in the run record."""

    data: str
    run_dir: str
    base_model: str = defaults.BASE_MODEL
    epochs: int = defaults.EPOCHS
    imgsz: int | None = None  # default: the dataset's tile size
    batch: int = defaults.TRAIN_BATCH
    device: str = defaults.DEVICE
    lr0: float = defaults.LEARNING_RATE
    lrf: float = defaults.FINAL_LR_FRACTION
    class_weights: str | list[float] = defaults.CLASS_WEIGHTS
    copy_paste: float = defaults.COPY_PASTE
    copy_paste_mode: str = "flip"
    augment: float = 1.0
    patience: int = defaults.PATIENCE
    seed: int = defaults.SEED
    loader_workers: int = defaults.LOADER_WORKERS  # data-loader processes
    continue_epochs: int = 0
    continue_lr: float = defaults.CONTINUE_LR
    continue_augment: float = 0.5
    extra: dict[str, Any] = field(default_factory=dict)  # passed to ultralytics as is


def _dataset_stats(data: Path) -> dict[str, Any]:
    stats = data.parent / "stats.json"
    return json.loads(stats.read_text()) if stats.is_file() else {}


def _class_names(yaml_path: Path) -> list[str]:
    from landseg.offline import import_ultralytics

    import_ultralytics()
    from ultralytics.utils import YAML

    names = YAML.load(yaml_path)["names"]
    return [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)


def resolve_class_weights(
    option: str | Sequence[float], class_names: Sequence[str], stats: dict[str, Any]
) -> list[float] | None:
    """The per-class weights for the classification loss, or ``None`` for unweighted."""
    if isinstance(option, str):
        if option == "none":
            return None
        if option == "balanced":
            if not stats.get("class_weights"):
                from landseg.training.dataset import balanced_class_weights

                return balanced_class_weights([1] * len(class_names))
            return [float(stats["class_weights"][n]) for n in class_names]
        try:
            option = [float(v) for v in option.split(",")]
        except ValueError:
            raise InvalidParameterError(
                f"Class weights '{option}' are not understood: use balanced, none, or one "
                f"number per class ({len(class_names)}: {', '.join(class_names)})."
            ) from None
    weights = [float(v) for v in option]
    if len(weights) != len(class_names):
        raise InvalidParameterError(
            f"{len(weights)} class weights were given but the dataset has {len(class_names)} "
            f"classes ({', '.join(class_names)}): give one weight per class, in that order."
        )
    if any(w < 0 for w in weights):
        raise InvalidParameterError(f"Class weights {weights} must not be negative.")
    return weights


def _augmentation(strength: float) -> dict[str, float]:
    scaled = {k: round(v * strength, 4) for k, v in BASE_AUGMENTATION.items()}
    scaled["fliplr"] = BASE_AUGMENTATION["fliplr"] if strength > 0 else 0.0
    scaled["flipud"] = BASE_AUGMENTATION["flipud"] if strength > 0 else 0.0
    scaled["mosaic"] = min(1.0, scaled["mosaic"])
    return scaled


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


def _epoch_entry(trainer: Any, phase: str, phase_epoch: int, global_epoch: int) -> dict[str, Any]:
    losses = trainer.label_loss_items(trainer.tloss, prefix="train")
    metrics = trainer.metrics or {}

    def pick(prefix: str) -> dict[str, float]:
        return {
            key.split("/")[1].removesuffix("_loss"): round(float(value), 6)
            for key, value in {**losses, **metrics}.items()
            if key.startswith(prefix) and key.endswith("_loss")
        }

    def block(suffix: str) -> dict[str, float]:
        return {
            "precision": round(float(metrics.get(f"metrics/precision({suffix})", 0.0)), 6),
            "recall": round(float(metrics.get(f"metrics/recall({suffix})", 0.0)), 6),
            "map50": round(float(metrics.get(f"metrics/mAP50({suffix})", 0.0)), 6),
            "map50_95": round(float(metrics.get(f"metrics/mAP50-95({suffix})", 0.0)), 6),
        }

    validator = getattr(trainer, "validator", None)
    class_metrics = getattr(validator, "metrics", None)
    names = trainer.data["names"]
    class_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    per_class = (
        metrics_to_dict(class_metrics, class_names)["classes"]
        if class_metrics is not None and len(getattr(class_metrics.box, "ap_class_index", []))
        else None
    )
    return {
        "epoch": global_epoch,
        "phase": phase,
        "phase_epoch": phase_epoch,
        "time_s": round(float(getattr(trainer, "epoch_time", 0.0) or 0.0), 3),
        "lr": round(float(next(iter(trainer.lr.values()))), 8),
        "train_loss": pick("train/"),
        "val_loss": pick("val/"),
        "box": block("B"),
        "mask": block("M"),
        "classes": per_class,
    }


class _Callbacks:
    """ultralytics callbacks that feed the record, the progress bar and the cancel token."""

    def __init__(self, record, phase, weights, progress, cancel, epochs_before, epochs_total):
        self.record = record
        self.phase = phase
        self.weights = weights
        self.progress = progress
        self.cancel = cancel
        self.epochs_before = epochs_before
        self.epochs_total = epochs_total
        self.epoch_pending = False

    def __getstate__(self) -> dict[str, Any]:
        # Multi-GPU training pickles the callbacks into its worker processes; the progress
        # callback and the cancel token belong to this process (and hold locks and streams).
        return self.__dict__ | {"progress": None, "cancel": None}

    def on_train_start(self, trainer: Any) -> None:
        import torch
        from ultralytics.utils.torch_utils import unwrap_model

        if self.weights is not None:
            tensor = torch.tensor(self.weights, dtype=torch.float32, device=trainer.device)
            unwrap_model(trainer.model).class_weights = tensor
            trainer.ema.ema.class_weights = tensor.clone()

    def on_train_batch_end(self, trainer: Any) -> None:
        if "class_weights_in_loss" not in self.record.phase(self.phase):
            criterion = getattr(trainer.model, "criterion", None)
            detect = getattr(criterion, "detect_loss", criterion)
            used = getattr(detect, "class_weights", None)
            self.record.phase(self.phase)["class_weights_in_loss"] = (
                None if used is None else [round(float(w), 6) for w in used.flatten()]
            )
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Training was cancelled; resume it with landseg train --resume.")

    def on_train_epoch_end(self, trainer: Any) -> None:
        self.epoch_pending = True

    def on_fit_epoch_end(self, trainer: Any) -> None:
        if not self.epoch_pending:  # ultralytics' final validation of best.pt, not an epoch
            return
        from ultralytics.utils import RANK

        if RANK > 0:  # multi-GPU training: the first GPU's process keeps the record
            return
        self.epoch_pending = False
        phase_epoch = trainer.epoch + 1
        global_epoch = self.epochs_before + phase_epoch
        entry = _epoch_entry(trainer, self.phase, phase_epoch, global_epoch)
        epochs = [e for e in self.record.content["epochs"] if e["epoch"] != global_epoch]
        self.record.content["epochs"] = [*epochs, entry]
        self.record.phase(self.phase)["epochs_done"] = phase_epoch
        self.record.save()
        if self.progress:
            self.progress(
                global_epoch / self.epochs_total,
                f"epoch {global_epoch}/{self.epochs_total} ({self.phase}): "
                f"mask mAP50 {entry['mask']['map50']:.3f}",
            )


def _check_options(options: TrainOptions) -> None:
    if options.imgsz is not None and (options.imgsz < 32 or options.imgsz % 32):
        raise InvalidParameterError(
            f"Image size {options.imgsz} must be a multiple of 32 (e.g. 512 or 640)."
        )
    if options.epochs < 1 or options.continue_epochs < 0:
        raise InvalidParameterError("Epochs must be at least 1 (continued epochs at least 0).")
    _training_devices(options.device, options.batch)
    base = options.base_model
    if not base.endswith(".yaml") and not Path(base).is_file():
        raise ModelLoadError(
            f"Base model '{base}' does not exist: give a .pt file, or a model .yaml such as "
            "yolov8n-seg.yaml to start from scratch."
        )


def _training_devices(device: str, batch: int) -> list[str]:
    """The devices to train on; with several GPUs, ``batch`` must split evenly over them."""
    devices = resolve_devices(device)
    gpus = len(devices)
    if gpus > 1 and (batch < 1 or batch % gpus):
        raise InvalidParameterError(
            f"Batch {batch} cannot be split evenly over {gpus} GPUs ('{device}'): multi-GPU "
            f"training gives each GPU batch / {gpus} images, so give a multiple of {gpus}, "
            f"e.g. --batch {gpus * max(1, batch // gpus)}."
        )
    return devices


def train(
    options: TrainOptions,
    *,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: Any = None,
) -> Path:
    """Run a fine-tuning (and optional continued phase); returns the final ``best.pt``."""
    _check_options(options)
    yaml_path = data_yaml(options.data)
    run_dir = Path(options.run_dir).absolute()
    if run_dir.exists() and any(run_dir.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"Run folder '{run_dir}' is not empty: choose a new folder, resume the run "
                "(--resume), or allow overwriting (--overwrite)."
            )
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    class_names = _class_names(yaml_path)
    stats = _dataset_stats(yaml_path)
    weights = resolve_class_weights(options.class_weights, class_names, stats)
    imgsz = options.imgsz or int(stats.get("tile_size_px", defaults.TILE_SIZE_PX))
    phases = [
        {
            "name": "main",
            "epochs": options.epochs,
            "lr0": options.lr0,
            "lrf": options.lrf,
            "imgsz": imgsz,
            "copy_paste": options.copy_paste,
            "augmentation": _augmentation(options.augment),
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
                "augmentation": _augmentation(options.augment * options.continue_augment)
                | {"mosaic": 0.0},
                "status": "pending",
            }
        )
    base_path = Path(options.base_model)
    record = RunRecord(
        run_dir,
        {
            "landseg_version": __version__,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "arguments": asdict(options) | {"imgsz": imgsz},
            "library_versions": _library_versions(),
            "device": ",".join(_training_devices(options.device, options.batch)),
            "dataset": {"data_yaml": str(yaml_path), "class_names": class_names, **stats},
            "class_weights": dict(zip(class_names, weights, strict=True)) if weights else None,
            "base_model": {
                "path": str(base_path),
                "sha256": file_sha256(base_path) if base_path.is_file() else None,
            },
            "phases": phases,
            "epochs": [],
            "final": None,
        },
    )
    record.save()
    return _run_phases(record, progress=progress, cancel=cancel, resume=False)


def resume(
    run_dir: str | Path, *, progress: ProgressCallback | None = None, cancel: Any = None
) -> Path:
    """Continue an interrupted run from its last saved epoch."""
    record = RunRecord.load(Path(run_dir).absolute())
    if all(p["status"] == "complete" for p in record.content["phases"]) and record.content["final"]:
        raise InvalidParameterError(f"Run '{run_dir}' is already complete: nothing to resume.")
    return _run_phases(record, progress=progress, cancel=cancel, resume=True)


def _warn_head_change(base_model: str, class_names: list[str], messages: list[str]) -> None:
    if not base_model.endswith(".pt"):
        return
    import torch

    checkpoint = torch.load(base_model, map_location="cpu", weights_only=False)
    model = checkpoint.get("ema") or checkpoint.get("model")
    names = getattr(model, "names", None) or {}
    base_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    if base_names and base_names != class_names:
        import warnings

        message = (
            f"Base model '{Path(base_model).name}' has {len(base_names)} classes "
            f"({', '.join(base_names)}); the dataset has {len(class_names)} "
            f"({', '.join(class_names)}). Its classification head is re-initialised for the "
            "dataset's classes; the backbone and neck keep their training."
        )
        messages.append(message)
        warnings.warn(message, LandSegWarning, stacklevel=3)


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
        callbacks = _Callbacks(
            record, phase["name"], weights, progress, cancel, epochs_before, total
        )
        if resume and phase["status"] == "interrupted" and last.is_file():
            model = YOLO(str(last))
            arguments = {"resume": str(last)}
        else:
            start = str(previous_best) if previous_best else options["base_model"]
            if previous_best is None:
                _warn_head_change(start, class_names, content["warnings"])
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
                raise Cancelled("Training was interrupted; resume it with --resume.") from None
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
    devices = _training_devices(options["device"], options["batch"])
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
            input_size_px=int(content["arguments"]["imgsz"]),
        ),
    )
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
    return final
