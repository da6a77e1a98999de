"""``landseg evaluate``: per-class metrics of a model on a dataset, or of polygons on a map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from landseg.cli.options import (
    aoi_option,
    class_field_option,
    class_map_option,
    class_value_option,
    conf_option,
    data_option,
    device_option,
    json_option,
    labels_layer_option,
    labels_option,
    model_option,
    option,
    overwrite_option,
    path,
    split_option,
)
from landseg.io.atomic import check_output, write_json
from landseg.messages import Message


@click.command("evaluate")
@model_option("Model to validate on --data.")
@data_option("YOLO-seg dataset folder (dataset level).")
@split_option("Dataset split to validate on.")
@option(
    "--predictions",
    type=path(),
    help="Predicted polygons, e.g. from landseg segment (map level).",
)
@labels_option("Labelled polygons (map level).")
@labels_layer_option()
@class_field_option("Label attribute holding the class (map level).")
@class_value_option()
@class_map_option()
@aoi_option("Polygons limiting the evaluated area (map level).")
@conf_option("Score threshold for precision, recall and F1 (map level).")
@device_option()
@json_option()
@overwrite_option()
def evaluate_command(
    model: Path | None,
    data: Path | None,
    split: str,
    predictions: Path | None,
    labels: Path | None,
    device: str,
    json_path: Path | None,
    overwrite: bool,
    **map_options: Any,
) -> None:
    """Per-class metrics: of a model on a dataset, or of predicted polygons against labels."""
    if json_path is not None:  # before any work: a run must not end in a refused write
        check_output(json_path.absolute(), overwrite=overwrite)
    if (model or data) and (predictions or labels):
        raise click.UsageError(Message("cli.evaluate_both"))
    if predictions or labels:
        if not (predictions and labels):
            raise click.UsageError(Message("cli.evaluate_maps"))
        _evaluate_map(predictions, labels, json_path, overwrite=overwrite, **map_options)
        return
    if not data:
        raise click.UsageError(Message("cli.evaluate_none"))
    from landseg.evaluation.tiles import evaluate_dataset, format_table

    class_map = map_options.get("class_map")
    result = evaluate_dataset(model, data, split=split, device=device, class_map=class_map)
    click.echo(format_table(result))
    if json_path:
        write_json(json_path, result, overwrite=overwrite)


def _evaluate_map(
    predictions: Path, labels: Path, json_path: Path | None, *, overwrite: bool, **options: Any
) -> None:
    """Map level: predicted polygons against labelled ones (class options, ``aoi``, ``conf``)."""
    from landseg.evaluation import maps

    metrics = maps.evaluate_map(predictions, labels, **options)
    click.echo(maps.format_table(metrics))
    if json_path:
        write_json(json_path, metrics.to_dict(), overwrite=overwrite)
