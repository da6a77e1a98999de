"""The ``landseg`` command line: thin commands that parse options and call one backend function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from landseg import __version__
from landseg.errors import LandSegError

EXIT_USAGE = 2


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
@click.option("--overwrite", is_flag=True, help="Replace scene files that already exist.")
def synth(out_dir: Path, bits: str, **options) -> None:
    """Write a synthetic aerial scene (scene.tif) and its labels (labels.gpkg) to OUT_DIR."""
    from landseg.synthetic import write_scene

    scene = write_scene(out_dir, bits=int(bits), **options)
    counts = ", ".join(f"{name} {n}" for name, n in scene.class_counts.items())
    click.echo(f"Wrote {scene.raster_path} and {scene.labels_path} ({counts}).")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error is one line on stderr with exit code 2."""
    try:
        cli.main(args=argv, prog_name="landseg", standalone_mode=False)
    except (LandSegError, click.ClickException) as error:
        message = error.format_message() if isinstance(error, click.ClickException) else error
        click.echo(f"landseg: error: {message}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("landseg: cancelled", err=True)
        sys.exit(130)
