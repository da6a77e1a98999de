"""``landseg segment``: land-cover polygons from one raster or a mosaic of sheets."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from landseg import defaults
from landseg.cli import parsing
from landseg.cli.options import (
    aoi_option,
    bands_option,
    batch_option,
    bbox_option,
    classes_option,
    conf_option,
    crs_option,
    device_option,
    model_option,
    option,
    output_option,
    overlap_option,
    overwrite_option,
    parsed,
    pixel_size_option,
    progress_option,
    tile_size_option,
)
from landseg.cli.progress import Progress, startup_seconds


@click.command("segment")
@click.argument("rasters", nargs=-1, required=True, callback=parsed(parsing.expand_sheets))
@output_option(
    "Output to write: .gpkg (styled GeoPackage), .parquet (GeoParquet), .fgb (FlatGeobuf), "
    "or a folder (partitioned GeoParquet).",
    folder=None,
)
@aoi_option("Polygons (any vector file, any CRS): segment only there, clip to them.")
@bbox_option()
@crs_option()
@pixel_size_option("Ground pixel size (m) to segment at; default the model's training size.")
@model_option("Model file (.pt or .onnx); default: the shipped model.")
@tile_size_option("Tile size in pixels; default from the model.")
@overlap_option("Tile overlap in pixels; default from the model.")
@conf_option("Minimum score.")
@option(
    "--iou",
    type=float,
    default=defaults.NMS_IOU,
    help="Non-maximum-suppression IoU inside a tile.",
)
@batch_option("batch_size", defaults.BATCH_TILES, "Tiles per forward pass.")
@device_option()
@option(
    "--runtime",
    type=click.Choice(["auto", "onnx", "torch", "ultralytics"]),
    default=defaults.RUNTIME,
    help="What runs the model: auto (ONNX Runtime on CPU, fp16 torch on GPU), onnx, torch, "
    "or ultralytics (its own predictor).",
)
@bands_option()
@classes_option("Class names the model must know, in order, e.g. roof,farm (checked).")
@option(
    "--min-area-m2",
    "min_area_m2",
    type=float,
    default=defaults.MIN_AREA_M2,
    help="Drop polygons smaller than this.",
)
@option(
    "--simplify-m",
    "simplify_tolerance_m",
    type=float,
    help="Simplification tolerance in metres; default one pixel.",
)
@click.option("--square-roofs", is_flag=True, help="Square off nearly rectangular roofs.")
@option(
    "--scheduler",
    help="Dask scheduler address (e.g. tcp://host:8786): segment on its workers.",
)
@option(
    "--workers",
    type=int,
    help="Segment on a local Dask cluster of this many worker processes.",
)
@option(
    "--chunk-tiles",
    type=int,
    default=defaults.CHUNK_TILES,
    help="With --scheduler or --workers: one Dask task segments a block of N x N tiles.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue this output's run that stopped (crash, kill, cancel) where it stopped.",
)
@click.option(
    "--checkpoint/--no-checkpoint",
    default=None,
    help=f"Keep a resumable work file if the run stops; default on above "
    f"{defaults.CHECKPOINT_MIN_TILES} tiles.",
)
@click.option(
    "--review",
    is_flag=True,
    help="Give every polygon its agreement, class margin and review priority, and write a "
    "'review' layer of the places worth a look (GeoPackage output).",
)
@click.option(
    "--skip-unreadable",
    is_flag=True,
    help="Skip tiles that cannot be read (damaged blocks), listing them, instead of stopping.",
)
@overwrite_option()
@progress_option()
def segment_command(
    rasters: list[str], output: Path, progress: Progress, **options: Any
) -> dict[str, Any]:
    """Segment RASTERS into land-cover polygons written to a styled GeoPackage.

    RASTERS is one raster (file, VRT, URL, GDAL WMS/XYZ XML) or several orthophoto sheets
    (files, folders or glob patterns) in one CRS, segmented as one mosaic.
    """
    from landseg.io import writer_process

    # first: the helper loads the GeoPackage writer while this process starts (other formats
    # are converted from a GeoPackage here at the end, which loads it here anyway)
    gpkg = Path(output).suffix.lower() == ".gpkg"
    with writer_process.helper() if gpkg else contextlib.nullcontext():
        from landseg.inference.pipeline import segment

        startup_s = startup_seconds()
        result = segment(rasters, output, progress=progress, **options)
    result.timings_s["startup"] = startup_s
    counts = ", ".join(f"{name} {n}" for name, n in result.counts.items())
    progress.say(
        f"Wrote {sum(result.counts.values())} polygons ({counts}) to {result.output_path} "
        f"in {result.timings_s['total']:.1f} s on {result.device}."
    )
    return {
        "output": str(result.output_path),
        "layer": defaults.LAYER_NAME,
        "counts": result.counts,
        "timings_s": result.timings_s,
        "device": result.device,
        "warnings": result.warnings,
    }
