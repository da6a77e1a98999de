"""The ``landseg`` command line: thin commands that parse options and call one backend function.

Progress goes to a tqdm bar on stderr, or as JSON lines on stdout with ``--progress json``
(for the QGIS plugin and other programs). SIGTERM cancels a run cleanly: nothing half-written
is left behind.
"""

from __future__ import annotations

import functools
import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from landseg import __version__
from landseg.errors import Cancelled, LandSegError

EXIT_USAGE = 2
EXIT_CANCELLED = 130


def _emit(event: str, **fields: Any) -> None:
    click.echo(json.dumps({"event": event, **fields}, default=str))


class Progress:
    """Adapts the backend's (fraction, message) callback to tqdm or JSON lines."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=1000, unit="‰", file=sys.stderr, leave=False, dynamic_ncols=True)

    def __call__(self, fraction: float, message: str) -> None:
        if self.mode == "json":
            _emit("progress", fraction=round(fraction, 4), message=message)
        elif self.bar is not None:
            self.bar.set_description_str(message[:60])
            self.bar.update(int(fraction * 1000) - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _cancel_on_sigterm() -> threading.Event:
    event = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: event.set())
    return event


def progress_option(command: Callable) -> Callable:
    """``--progress bar|json|none`` and the plumbing that turns it into callbacks."""

    @click.option(
        "--progress",
        "progress_mode",
        type=click.Choice(["bar", "json", "none"]),
        default="bar",
        show_default=True,
        help="How to report progress.",
    )
    @functools.wraps(command)
    def wrapper(progress_mode: str, **kwargs: Any) -> Any:
        progress = Progress(progress_mode)
        try:
            result = command(progress=progress, cancel=_cancel_on_sigterm(), **kwargs)
        finally:
            progress.close()
        if progress_mode == "json" and result is not None:
            _emit("result", **result)
        return result

    return wrapper


def device_option(command: Callable) -> Callable:
    return click.option(
        "--device",
        default="auto",
        show_default=True,
        help="auto (CUDA when present), cpu, cuda or cuda:N.",
    )(command)


def overwrite_option(command: Callable) -> Callable:
    return click.option("--overwrite", is_flag=True, help="Replace outputs that already exist.")(
        command
    )


def _int_list(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a list of band numbers such as 1,2,3") from None


def _mapping(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    pairs = [item.split("=", 1) for item in value.split(",")]
    if any(len(p) != 2 for p in pairs):
        raise click.BadParameter(f"'{value}' is not a mapping such as building=roof,field=farm")
    return {k.strip(): v.strip() for k, v in pairs}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="landseg")
def cli() -> None:
    """LandSeg: land-cover polygons from aerial rasters with instance segmentation."""


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--size",
    "size_px",
    type=int,
    default=2048,
    show_default=True,
    help="Width and height of the scene in pixels.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Layout and texture seed.")
@click.option("--crs", default="EPSG:32654", show_default=True, help="CRS of the scene.")
@click.option(
    "--pixel-size",
    "pixel_size_m",
    type=float,
    default=0.5,
    show_default=True,
    help="Ground size of a pixel in metres.",
)
@click.option(
    "--bits",
    type=click.Choice(["8", "16"]),
    default="8",
    show_default=True,
    help="Bit depth of the raster.",
)
@click.option(
    "--nodata-border",
    "nodata_border_px",
    type=int,
    default=0,
    show_default=True,
    help="Width in pixels of a nodata frame around the scene.",
)
@overwrite_option
def synth(out_dir: Path, bits: str, **options: Any) -> None:
    """Write a synthetic aerial scene (scene.tif) and its labels (labels.gpkg) to OUT_DIR."""
    from landseg.synthetic import write_scene

    scene = write_scene(out_dir, bits=int(bits), **options)
    counts = ", ".join(f"{name} {n}" for name, n in scene.class_counts.items())
    click.echo(f"Wrote {scene.raster_path} and {scene.labels_path} ({counts}).")


@cli.command()
@click.argument("raster", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="GeoPackage to write (.gpkg).",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Model file (.pt or .onnx); default: the shipped model.",
)
@click.option(
    "--tile-size",
    "tile_size_px",
    type=int,
    default=None,
    help="Tile size in pixels; default from the model.",
)
@click.option(
    "--overlap",
    "overlap_px",
    type=int,
    default=None,
    help="Tile overlap in pixels; default from the model.",
)
@click.option("--conf", type=float, default=0.25, show_default=True, help="Minimum score.")
@click.option(
    "--iou",
    type=float,
    default=0.5,
    show_default=True,
    help="Non-maximum-suppression IoU inside a tile.",
)
@click.option(
    "--batch", "batch_size", type=int, default=8, show_default=True, help="Tiles per forward pass."
)
@device_option
@click.option("--bands", default=None, help="Raster bands for the model, e.g. 1,2,3 or 1.")
@click.option(
    "--classes",
    default=None,
    help="Class names the model must know, in order, e.g. roof,farm (checked).",
)
@click.option(
    "--min-area-m2",
    "min_area_m2",
    type=float,
    default=1.0,
    show_default=True,
    help="Drop polygons smaller than this.",
)
@click.option(
    "--simplify-m",
    "simplify_tolerance_m",
    type=float,
    default=None,
    help="Simplification tolerance in metres; default one pixel.",
)
@click.option("--square-roofs", is_flag=True, help="Square off nearly rectangular roofs.")
@overwrite_option
@progress_option
def segment(raster: Path, output: Path, bands: str | None, classes: str | None, **options: Any):
    """Segment RASTER into land-cover polygons written to a styled GeoPackage."""
    from landseg.pipeline import segment as run_segment

    result = run_segment(
        raster,
        output,
        bands=_int_list(bands),
        classes=classes.split(",") if classes else None,
        **options,
    )
    counts = ", ".join(f"{name} {n}" for name, n in result.counts.items())
    click.echo(
        f"Wrote {sum(result.counts.values())} polygons ({counts}) to {result.output_path} "
        f"in {result.timings_s['total']:.1f} s on {result.device}.",
        err=options["progress"].mode == "json",
    )
    return {
        "output": str(result.output_path),
        "counts": result.counts,
        "timings_s": result.timings_s,
        "device": result.device,
        "warnings": result.warnings,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error is one line on stderr with exit code 2."""
    try:
        cli.main(args=argv, prog_name="landseg", standalone_mode=False)
    except Cancelled as error:
        click.echo(f"landseg: cancelled: {error}", err=True)
        sys.exit(EXIT_CANCELLED)
    except (LandSegError, click.ClickException) as error:
        message = error.format_message() if isinstance(error, click.ClickException) else error
        click.echo(f"landseg: error: {message}", err=True)
        sys.exit(EXIT_USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("landseg: cancelled", err=True)
        sys.exit(EXIT_CANCELLED)
