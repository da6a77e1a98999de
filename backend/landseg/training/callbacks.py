"""ultralytics callbacks that keep the run record, report progress and honour cancel."""

from __future__ import annotations

import csv
from typing import Any

from landseg.errors import Cancelled
from landseg.evaluation.tiles import metrics_to_dict
from landseg.messages import Message
from landseg.training.record import RunRecord


def _entry(values: dict[str, Any], phase: str, phase_epoch: int, global_epoch: int) -> dict:
    """An epoch of the run record from ultralytics' flat figures (``train/box_loss``, ...)."""

    def pick(prefix: str) -> dict[str, float]:
        return {
            key.split("/")[1].removesuffix("_loss"): round(float(value), 6)
            for key, value in values.items()
            if key.startswith(prefix) and key.endswith("_loss")
        }

    def block(suffix: str) -> dict[str, float]:
        return {
            "precision": round(float(values.get(f"metrics/precision({suffix})", 0.0)), 6),
            "recall": round(float(values.get(f"metrics/recall({suffix})", 0.0)), 6),
            "map50": round(float(values.get(f"metrics/mAP50({suffix})", 0.0)), 6),
            "map50_95": round(float(values.get(f"metrics/mAP50-95({suffix})", 0.0)), 6),
        }

    return {
        "epoch": global_epoch,
        "phase": phase,
        "phase_epoch": phase_epoch,
        "time_s": round(float(values.get("time") or 0.0), 3),
        "lr": round(float(values.get("lr/pg0") or 0.0), 8),
        "train_loss": pick("train/"),
        "val_loss": pick("val/"),
        "box": block("B"),
        "mask": block("M"),
        "classes": None,
    }


def epoch_entry(trainer: Any, phase: str, phase_epoch: int, global_epoch: int) -> dict[str, Any]:
    """The record's entry for the epoch ``trainer`` just finished, per-class figures too."""
    losses = trainer.label_loss_items(trainer.tloss, prefix="train")
    values = {**losses, **(trainer.metrics or {})}
    values["time"] = getattr(trainer, "epoch_time", 0.0)
    values["lr/pg0"] = next(iter(trainer.lr.values()))
    validator = getattr(trainer, "validator", None)
    class_metrics = getattr(validator, "metrics", None)
    names = trainer.data["names"]
    class_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    per_class = (
        metrics_to_dict(class_metrics, class_names)["classes"]
        if class_metrics is not None and len(getattr(class_metrics.box, "ap_class_index", []))
        else None
    )
    return _entry(values, phase, phase_epoch, global_epoch) | {"classes": per_class}


def recover_epochs(record: RunRecord, phase: dict[str, Any], epochs_before: int) -> int:
    """Epochs ultralytics saved (``results.csv``) that the record missed; added, and counted.

    ultralytics writes an epoch's figures and checkpoint before LandSeg's callback records it,
    so a run stopped in between would resume after an epoch its record lacks. Such epochs come
    back from ``results.csv``, marked as recovered (without per-class figures).
    """
    results = record.run_dir / phase["name"] / "results.csv"
    if not results.is_file():
        return 0
    with open(results, newline="") as handle:
        rows = [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(handle)]
    done = int(phase.get("epochs_done") or 0)
    missing = [row for row in rows if int(float(row["epoch"])) > done]
    for row in missing:
        phase_epoch = int(float(row["epoch"]))
        entry = _entry(row, phase["name"], phase_epoch, epochs_before + phase_epoch)
        record.content["epochs"].append(entry | {"recovered_from": "results.csv"})
        phase["epochs_done"] = phase_epoch
    return len(missing)


class Callbacks:
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
            raise Cancelled(Message("train.cancelled"))

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
        entry = epoch_entry(trainer, self.phase, phase_epoch, global_epoch)
        epochs = [e for e in self.record.content["epochs"] if e["epoch"] != global_epoch]
        self.record.content["epochs"] = [*epochs, entry]
        self.record.phase(self.phase)["epochs_done"] = phase_epoch
        self.record.save()
        if self.progress:
            self.progress(
                global_epoch / self.epochs_total,
                Message(
                    "train.epoch",
                    done=global_epoch,
                    total=self.epochs_total,
                    phase=self.phase,
                    map50=format(entry["mask"]["map50"], ".3f"),
                ),
            )
