"""``landseg segment``: land-cover polygons from one raster or a mosaic of sheets."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from landseg import defaults
from landseg.cli import parsing
from landseg.cli.options import declared_options, output_option, parsed, progress_option
from landseg.cli.progress import Progress, startup_seconds
from landseg.inference.options import SegmentOptions
from landseg.messages import Message


@click.command("segment")
@click.argument("rasters", nargs=-1, required=True, callback=parsed(parsing.expand_sheets))
@output_option(
    "Output to write: .gpkg (styled GeoPackage), .parquet (GeoParquet), .fgb (FlatGeobuf), "
    "or a folder (partitioned GeoParquet).",
    folder=None,
)
@declared_options(SegmentOptions)
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
        Message(
            "segment.summary",
            count=sum(result.counts.values()),
            classes=counts,
            path=result.output_path,
            seconds=format(result.timings_s["total"], ".1f"),
            device=result.device,
        )
    )
    return {
        "output": str(result.output_path),
        "layer": defaults.LAYER_NAME,
        "counts": result.counts,
        "timings_s": result.timings_s,
        "device": result.device,
        "warnings": result.warnings,
    }
