"""Variants of a real run folder for report tests: partial, single-phase, and a rich record.

Each starts from a copy of the real ``tiny_run`` folder and edits only ``record.json``, the way
an interrupted or differently configured ``landseg train`` would have left it. The rich record
carries the figures of the user's own performance report (10 epochs, 7 main + 3 continued), so
the generated tables can be checked against numbers a person computed by hand.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The user's report: epoch, mAP50, mAP50-95, precision, recall, train box/seg/cls/dfl losses,
# validation box/seg/cls losses.
USER_EPOCHS = [
    (1, 63.62, 49.86, 75.23, 76.45, 0.6566, 1.3497, 2.7390, 3.9220, 0.5086, 1.0234, 2.7390),
    (2, 80.50, 66.43, 79.12, 80.34, 0.5881, 1.1221, 2.0652, 3.2145, 0.4228, 0.8567, 2.0652),
    (3, 82.62, 68.97, 80.45, 81.67, 0.5640, 1.0453, 1.8079, 2.8934, 0.4142, 0.8123, 1.8079),
    (4, 82.50, 68.77, 80.23, 81.45, 0.5383, 0.9835, 1.6201, 2.6789, 0.4070, 0.7834, 1.6201),
    (5, 85.64, 72.16, 81.89, 82.78, 0.5148, 0.9315, 1.4941, 2.4923, 0.3948, 0.7456, 1.4941),
    (6, 86.57, 73.28, 82.67, 83.45, 0.4987, 0.8936, 1.3651, 2.3456, 0.3866, 0.7123, 1.3651),
    (7, 87.67, 75.24, 83.77, 83.89, 0.4847, 0.8686, 1.2973, 2.2134, 0.3724, 0.6686, 1.2973),
    (8, 90.47, 79.37, 84.89, 86.12, 0.4523, 0.8234, 1.1456, 2.0789, 0.3456, 0.6234, 1.1456),
    (9, 90.74, 80.27, 85.34, 86.89, 0.4312, 0.7891, 1.0234, 1.9567, 0.3334, 0.6012, 1.0789),
    (10, 90.77, 80.85, 85.78, 87.35, 0.4193, 0.7484, 0.9637, 1.8456, 0.3218, 0.5905, 1.0234),
]
# class: instances, ratio, weight, final P, R, mAP50, mAP50-95 (mask), baseline mAP50 (mask)
USER_CLASSES = {
    "roof": (71784, 0.506, 0.49, 0.923, 0.891, 0.932, 0.824, 0.85),
    "farm": (29515, 0.208, 1.20, 0.852, 0.887, 0.911, 0.812, 0.75),
    "rice-fields": (22599, 0.159, 1.57, 0.821, 0.859, 0.884, 0.798, 0.70),
    "Baren-Land": (18073, 0.127, 1.96, 0.837, 0.862, 0.903, 0.801, 0.65),
}


def copy_run(source: Path, target: Path, *, with_model: bool = True) -> Path:
    """A copy of a run folder's record, epoch table and (optionally) ``best.pt``."""
    target.mkdir(parents=True)
    for name in ("record.json", "epochs.csv"):
        shutil.copyfile(source / name, target / name)
    if with_model:
        (target / "best.pt").symlink_to(source / "best.pt")
    return target


def edit_record(run_dir: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    path = run_dir / "record.json"
    record = json.loads(path.read_text())
    change(record)
    path.write_text(json.dumps(record, indent=2))
    return record


def _block(p: float, r: float, m50: float, m95: float) -> dict[str, float]:
    return {"precision": p, "recall": r, "map50": m50, "map50_95": m95}


def user_record(record: dict[str, Any]) -> None:
    """Replace a record's epochs, phases, classes and final figures with the user's report's."""
    main, continued = record["phases"]
    main.update(epochs=7, epochs_done=7, lr0=1e-4, imgsz=896)
    continued.update(epochs=3, epochs_done=3, lr0=5e-5, imgsz=896)
    epochs = []
    for number, m50, m95, p, r, box, seg, cls, dfl, vbox, vseg, vcls in USER_EPOCHS:
        phase = "main" if number <= 7 else "continued"
        entry = {
            "epoch": number,
            "phase": phase,
            "phase_epoch": number if phase == "main" else number - 7,
            "time_s": 600.0,
            "lr": 1e-4 if phase == "main" else 5e-5,
            "train_loss": {"box": box, "seg": seg, "cls": cls, "dfl": dfl, "sem": 0.0},
            "val_loss": {
                "box": vbox,
                "seg": vseg,
                "cls": vcls,
                "dfl": round(dfl * 0.9, 4),
                "sem": 0.0,
            },
            "box": _block(p / 100, r / 100, (m50 + 1) / 100, (m95 + 1.5) / 100),
            "mask": _block((p - 0.3) / 100, (r - 0.3) / 100, m50 / 100, m95 / 100),
        }
        epochs.append(entry)
    epochs[0]["mask"].update(precision=0.7489, recall=0.7512)
    epochs[6]["mask"].update(precision=0.8407, recall=0.8395)
    epochs[0]["classes"] = {
        name: {
            "instances": values[0] // 10,
            "box": None,
            "mask": _block(0.0, 0.0, values[7], values[7] * 0.78),
        }
        for name, values in USER_CLASSES.items()
    }
    record["epochs"] = epochs
    names = list(USER_CLASSES)
    record["dataset"].update(
        class_names=names,
        instances={n: v[0] for n, v in USER_CLASSES.items()},
        ratios={n: v[1] for n, v in USER_CLASSES.items()},
        class_weights={n: v[2] for n, v in USER_CLASSES.items()},
        train_instances={n: v[0] - v[0] // 10 for n, v in USER_CLASSES.items()},
        val_instances={n: v[0] // 10 for n, v in USER_CLASSES.items()},
    )
    record["class_weights"] = {n: v[2] for n, v in USER_CLASSES.items()}
    for phase in record["phases"]:
        phase["class_weights_in_loss"] = [v[2] for v in USER_CLASSES.values()]
    record["final"].update(
        overall={
            "instances": sum(v[0] // 10 for v in USER_CLASSES.values()),
            "box": _block(0.8578, 0.8735, 0.9177, 0.8235),
            "mask": _block(0.8600, 0.8756, 0.9077, 0.8085),
        },
        classes={
            name: {
                "instances": values[0] // 10,
                "box": _block(values[3], values[4], values[5] + 0.01, values[6] + 0.015),
                "mask": _block(values[3], values[4], values[5], values[6]),
            }
            for name, values in USER_CLASSES.items()
        },
    )
