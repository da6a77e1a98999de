"""``landseg calibrate``: learn each polygon's probability of being right from labelled data."""

from __future__ import annotations

from pathlib import Path

import click

from landseg.cli.options import (
    data_option,
    device_option,
    labels_option,
    model_option,
    option,
    output_option,
    overwrite_option,
    path,
)
from landseg.messages import Message, said


@click.command("calibrate")
@model_option("Model file (.pt or .onnx); default: the shipped model.")
@data_option("Labelled tiles the model did not learn from: a dataset folder or its data.yaml.")
@option("--split", default="val", help="The dataset's split to calibrate on.")
@option(
    "--predictions",
    type=path(),
    help="Instead of --data: a 'landseg segment --review' output of a labelled map.",
)
@labels_option("With --predictions: the map's labelled polygons (a 'class' field).")
@output_option("Model file to write, with its calibration (the model itself is only read).")
@device_option()
@overwrite_option()
def calibrate_command(
    model: Path | None,
    data: Path | None,
    split: str,
    predictions: Path | None,
    labels: Path | None,
    output: Path,
    device: str,
    overwrite: bool,
) -> None:
    """Fit p_correct, each polygon's probability of matching a label of its class, on labelled
    tiles or a labelled map, and write the model with it."""
    from landseg.review.calibration_data import calibrate_model

    calibration = calibrate_model(
        model,
        output,
        data=data,
        predictions=predictions,
        labels=labels,
        split=split,
        device=device,
        overwrite=overwrite,
    )
    held = calibration.held_out
    if held:
        score, p_correct = held["score"]["ece"], held["p_correct"]["ece"]
        done = Message(
            "calibration.done",
            polygons=held["polygons"],
            right=held["right"],
            p_correct=f"{p_correct:.3f}",
            score=f"{score:.3f}",
        )
        click.echo(said(done))
    click.echo(said(Message("cli.wrote", path=output)))
