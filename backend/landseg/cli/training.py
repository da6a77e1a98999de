"""``landseg train``: fine-tune a YOLO-seg model, or resume an interrupted run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from landseg import defaults
from landseg.cli.options import (
    batch_option,
    data_option,
    device_option,
    model_option,
    option,
    output_option,
    overwrite_option,
    path,
    progress_option,
    renamed_option,
    seed_option,
)
from landseg.cli.progress import Progress


@click.command("train")
@data_option("Dataset folder from export-dataset (or its data.yaml).")
@output_option("Run folder to create.", folder=True, required=False, name="run_dir")
@model_option(
    "Base model: a .pt file to fine-tune, published COCO weights by name (yolov8n-seg.pt "
    "... yolo11x-seg.pt: downloaded once into LandSeg's cache), or a .yaml to start from "
    "scratch.",
    name="base_model",
    default=defaults.BASE_MODEL,
)
@option("--epochs", type=int, default=defaults.EPOCHS)
@option("--imgsz", type=int, help="Image size; default the tile size.")
@batch_option("batch", defaults.TRAIN_BATCH)
@device_option()
@option("--lr", "lr0", type=float, default=defaults.LEARNING_RATE, help="Initial learning rate.")
@option(
    "--lrf",
    type=float,
    default=defaults.FINAL_LR_FRACTION,
    help="Final learning rate as a fraction of the initial one.",
)
@option(
    "--class-weights",
    default=defaults.CLASS_WEIGHTS,
    help="balanced, none, or one weight per class (e.g. 0.5,1.2,1.6,2).",
)
@option("--copy-paste", type=float, default=defaults.COPY_PASTE)
@option("--copy-paste-mode", type=click.Choice(["flip", "mixup"]), default=defaults.COPY_PASTE_MODE)
@option("--augment", type=float, default=defaults.AUGMENT, help="Augmentation strength (0 = none).")
@option("--patience", type=int, default=defaults.PATIENCE)
@seed_option()
@option(
    "--loader-workers",
    type=int,
    default=defaults.LOADER_WORKERS,
    help="Data-loader worker processes.",
)
@option(
    "--continue-epochs",
    type=int,
    default=defaults.CONTINUE_EPOCHS,
    help="Epochs of a continued phase from the best weights at a lower learning rate.",
)
@option("--continue-lr", type=float, default=defaults.CONTINUE_LR)
@option(
    "--resume",
    "resume_dir",
    type=path(file=False),
    help="Resume the interrupted run in this folder.",
)
@overwrite_option()
@renamed_option("--workers", "--loader-workers", "loader_workers", command="train", type=int)
@progress_option()
def train_command(
    data: Path | None,
    run_dir: Path | None,
    resume_dir: Path | None,
    overwrite: bool,
    progress: Progress,
    cancel: Any,
    **options: Any,
) -> dict[str, Any]:
    """Fine-tune a YOLO-seg model on a dataset (with an optional continued phase)."""
    from landseg.training.options import TrainOptions
    from landseg.training.train import resume, train

    if resume_dir is not None:
        best = resume(resume_dir, progress=progress, cancel=cancel)
    else:
        if data is None or run_dir is None:
            raise click.UsageError("give --data and -o/--output (or --resume RUN_DIR)")
        best = train(
            TrainOptions(data=str(data), run_dir=str(run_dir), **options),
            overwrite=overwrite,
            progress=progress,
            cancel=cancel,
        )
    progress.say(f"Trained model: {best}")
    return {"model": str(best), "run_dir": str(best.parent)}
