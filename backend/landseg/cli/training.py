"""``landseg train``: fine-tune a YOLO-seg model, or resume an interrupted run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from landseg.cli.options import (
    data_option,
    declared_options,
    option,
    output_option,
    overwrite_option,
    path,
    progress_option,
    renamed_option,
)
from landseg.cli.progress import Progress
from landseg.messages import Message
from landseg.training.options import TrainOptions


@click.command("train")
@data_option("Dataset folder from export-dataset (or its data.yaml).")
@output_option("Run folder to create.", folder=True, required=False, name="run_dir")
@declared_options(TrainOptions)
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
    from landseg.training.train import resume, train

    if resume_dir is not None:
        best = resume(resume_dir, progress=progress, cancel=cancel)
    else:
        if data is None or run_dir is None:
            raise click.UsageError(Message("cli.train_inputs"))
        best = train(
            TrainOptions(data=str(data), run_dir=str(run_dir), **options),
            overwrite=overwrite,
            progress=progress,
            cancel=cancel,
        )
    progress.say(Message("cli.trained", path=best))
    return {"model": str(best), "run_dir": str(best.parent)}
