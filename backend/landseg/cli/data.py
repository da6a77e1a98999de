"""``landseg synth``, ``export-dataset``, ``object-sizes``, ``inspect-dataset`` and
``class-weights``: scenes and datasets."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from landseg import defaults
from landseg.cli import parsing
from landseg.cli.options import (
    aoi_option,
    bands_option,
    class_field_option,
    class_map_option,
    class_value_option,
    classes_option,
    crs_option,
    json_option,
    labels_layer_option,
    labels_option,
    option,
    output_option,
    overlap_option,
    overwrite_option,
    parsed,
    path,
    pixel_size_option,
    progress_option,
    seed_option,
    tile_size_option,
)
from landseg.cli.progress import Progress
from landseg.messages import Listed, Message, said


@click.command("synth")
@click.argument("out_dir", type=path(file=False))
@option(
    "--size",
    "size_px",
    type=int,
    default=defaults.SCENE_SIZE_PX,
    help="Width and height of the scene in pixels.",
)
@seed_option("Layout and texture seed.")
@option("--crs", default=defaults.SCENE_CRS, help="CRS of the scene.")
@pixel_size_option("Ground size of a pixel in metres.", default=defaults.SCENE_PIXEL_SIZE_M)
@option(
    "--bits",
    type=click.Choice(["8", "16"]),
    default=str(defaults.SCENE_BITS),
    help="Bit depth of the raster.",
)
@option(
    "--nodata-border",
    "nodata_border_px",
    type=int,
    default=defaults.SCENE_NODATA_BORDER_PX,
    help="Width in pixels of a nodata frame around the scene.",
)
@overwrite_option()
def synth(out_dir: Path, bits: str, **options: Any) -> None:
    """Write a synthetic aerial scene (scene.tif) and its labels (labels.gpkg) to OUT_DIR."""
    from landseg.io.synthetic import write_scene

    scene = write_scene(out_dir, bits=int(bits), **options)
    counts = ", ".join(f"{name} {n}" for name, n in scene.class_counts.items())
    wrote = Message("cli.synth", raster=scene.raster_path, labels=scene.labels_path, counts=counts)
    click.echo(said(wrote))


@click.command("export-dataset")
@click.argument("rasters", nargs=-1, required=True, type=path())
@labels_option("Polygon layer (GeoPackage, Shapefile, GeoJSON) with the classes.")
@option(
    "--reviewed",
    type=path(folder=False),
    help="A layer reviewed in LandSeg's QGIS review panel, instead of --labels: accepted and "
    "corrected polygons are the labels, and tiles show only the reviewed extent.",
)
@output_option("Dataset folder to create.", folder=True)
@labels_layer_option()
@class_field_option("Label attribute holding the class.")
@class_value_option()
@class_map_option()
@classes_option(
    "Model classes in order, e.g. roof,farm,rice-fields,Baren-Land.", name="class_names"
)
@aoi_option("Polygons limiting where tiles are cut.")
@crs_option()
@tile_size_option(default=defaults.TILE_SIZE_PX)
@overlap_option(default=defaults.OVERLAP_PX)
@pixel_size_option("Ground pixel size (m) to cut tiles at, the rasters resampled; default theirs.")
@option(
    "--auto-scale",
    is_flag=True,
    help="Choose the pixel and tile size at which most labelled objects are seen whole in a "
    "tile (instead of --pixel-size, --tile-size and --overlap).",
)
@bands_option()
@option(
    "--min-fragment",
    type=float,
    default=defaults.MIN_FRAGMENT,
    help="Drop polygon fragments (cut by a tile edge) below this share of the polygon.",
)
@option(
    "--empty-ratio",
    type=float,
    default=defaults.EMPTY_RATIO,
    help="Tiles without labels kept, as a share of labelled tiles.",
)
@option(
    "--val-fraction",
    type=float,
    default=defaults.VAL_FRACTION,
    help="Share of spatial blocks used for validation.",
)
@option(
    "--block-size",
    "block_size_px",
    type=int,
    help="Side of a split block in pixels; default four tile steps.",
)
@seed_option()
@overwrite_option()
@progress_option()
def export_dataset_command(
    rasters: tuple[Path, ...], labels: Path, output: Path, progress: Progress, **options: Any
) -> dict[str, Any]:
    """Export a YOLO-seg dataset from RASTERS and labelled polygons."""
    from landseg.training.dataset import export_dataset

    stats = export_dataset(rasters, labels, output, progress=progress, **options)
    shares = Listed(
        [
            Message(
                "cli.share",
                name=n,
                count=stats.instances[n],
                weight=f"{stats.class_weights[n]:.2f}",
            )
            for n in stats.class_names
        ],
        ", ",
    )
    fit = stats.object_sizes or {}
    if fit.get("count"):
        progress.say(_sizes_message(fit))
    progress.say(
        Message(
            "cli.synth_dataset",
            train=stats.tiles["train"],
            val=stats.tiles["val"],
            path=output,
            shares=shares,
        )
    )
    return {"output": str(output), **asdict(stats)}


def _sizes_message(fit: dict[str, Any]) -> Message:
    """The labelled objects' sizes against the tiles (``ObjectSizes.to_dict()``), in a line."""
    used = fit["used"]
    return Message(
        "dataset.sizes",
        count=fit["count"],
        median=f"{fit['extent_m']['p50']:g}",
        p90=f"{fit['extent_m']['p90']:g}",
        pixel=f"{used['pixel_size_m']:g}",
        tile=used["tile_size_px"],
        whole=f"{used['seen_whole']:.0%}",
    )


@click.command("object-sizes")
@click.argument("rasters", nargs=-1, required=True, type=path())
@labels_option("Polygon layer (GeoPackage, Shapefile, GeoJSON) with the classes.", required=True)
@labels_layer_option()
@class_field_option("Label attribute holding the class.")
@class_value_option()
@class_map_option()
@classes_option("Model classes in order; labels of other classes are not counted.")
@crs_option()
@tile_size_option(default=defaults.TILE_SIZE_PX)
@overlap_option(default=defaults.OVERLAP_PX)
@pixel_size_option("Ground pixel size (m) the tiles would be cut at; default the rasters'.")
@option(
    "--auto-scale",
    is_flag=True,
    help="Measure at the pixel and tile size export-dataset --auto-scale would choose.",
)
def object_sizes_command(
    rasters: tuple[Path, ...], labels: Path, classes: list[str] | None, **options: Any
) -> None:
    """Print as JSON how the labelled objects would fit the tiles export-dataset cuts with these
    options, and its suggestion, without writing anything (the fine-tune dialog's preview)."""
    from landseg.training.label_layers import labelled_object_sizes

    sizes, notes = labelled_object_sizes(rasters, labels, class_names=classes, **options)
    fit = sizes.to_dict()
    answer = {
        "object_sizes": fit,
        "summary": said(_sizes_message(fit)) if sizes.count else "",
        "suggestion": " ".join(said(note) for note in notes),
    }
    click.echo(json.dumps(answer, ensure_ascii=False))


@click.command("inspect-dataset")
@click.argument("data", type=path())
@option(
    "--regroup-splits",
    "regroup",
    type=path(file=False),
    help="Write a copy of DATA to this folder with every version of a source image in one split.",
)
@json_option()
@overwrite_option()
def inspect_dataset_command(
    data: Path, regroup: Path | None, json_path: Path | None, overwrite: bool
) -> None:
    """Count DATA's images and instances per split and class, and find what would mislead
    training: label files without images, copies of one image in two splits."""
    from landseg.io.atomic import write_json
    from landseg.training.inspection import inspect_dataset, regroup_splits, warn_of_problems

    inspection = inspect_dataset(data)
    click.echo(_inspection_table(inspection))
    warn_of_problems(inspection)
    if json_path is not None:
        write_json(json_path, asdict(inspection), overwrite=overwrite)
    if regroup is not None:
        written = regroup_splits(data, regroup, overwrite=overwrite)
        click.echo(said(Message("cli.wrote", path=written)))


def _inspection_table(inspection: Any) -> str:
    splits = list(inspection.images)
    rows = [f"{'':<16}" + "".join(f"{s:>8}" for s in splits) + f"{'weight':>8}"]
    rows.append(f"{'images':<16}" + "".join(f"{inspection.images[s]:>8}" for s in splits))
    for name in inspection.class_names:
        counts = "".join(f"{inspection.instances[s][name]:>8}" for s in splits)
        rows.append(f"{name:<16}{counts}{inspection.class_weights[name]:>8.2f}")
    return "\n".join(rows)


@click.command("class-weights")
@option(
    "--counts",
    required=True,
    callback=parsed(parsing.counts),
    help="Polygons per class, e.g. roof=12,farm=3.",
)
def class_weights_command(counts: dict[str, int]) -> None:
    """Print as JSON the balanced class weights export-dataset gives classes with these polygon
    counts (the fine-tune dialog's preview)."""
    from landseg.training.dataset import balanced_class_weights

    weights = balanced_class_weights(list(counts.values()))
    click.echo(json.dumps({"class_weights": dict(zip(counts, weights, strict=True))}))
