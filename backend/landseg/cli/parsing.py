"""Option text to the values the Python API takes: band lists, boxes, mappings, raster sheets."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import click

from landseg.messages import Message

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".jp2", ".img")
# Set by the QGIS plugin for its worker, whose working folder is not the user's: a relative path
# there would silently mean a file in the worker's private folder, so it is refused.
ABSOLUTE_PATHS_ENV = "LANDSEG_ABSOLUTE_PATHS"


def check_absolute(value: str) -> str:
    """``value`` unchanged; a usage error for a relative file path when absolute ones are required.

    URLs, GDAL dataset descriptions (XML) and ``/vsi`` paths are not file paths and pass.
    """
    if os.environ.get(ABSOLUTE_PATHS_ENV) != "1" or not value:
        return value
    if value.startswith(("<", "/vsi")) or "://" in value or Path(value).is_absolute():
        return value
    raise click.BadParameter(Message("relative", path=value))


def int_list(value: str | None) -> list[int] | None:
    """``1,2,3`` as ``[1, 2, 3]`` (raster band numbers)."""
    if not value:
        return None
    try:
        return [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(Message("cli.bands", value=value)) from None


def name_list(value: str | None) -> list[str] | None:
    """``roof,farm`` as ``["roof", "farm"]`` (class names)."""
    return value.split(",") if value else None


def bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``min_x,min_y,max_x,max_y`` as four floats."""
    if not value:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(Message("cli.bbox", value=value)) from None
    return x0, y0, x1, y1


def mapping(value: str | None) -> dict[str, str] | None:
    """``building=roof,field=farm`` as a dict."""
    if not value:
        return None
    pairs = [item.split("=", 1) for item in value.split(",")]
    if any(len(p) != 2 for p in pairs):
        raise click.BadParameter(Message("cli.mapping", value=value))
    return {k.strip(): v.strip() for k, v in pairs}


def counts(value: str | None) -> dict[str, int] | None:
    """``roof=12,farm=3`` as ``{"roof": 12, "farm": 3}`` (polygons per class)."""
    pairs = mapping(value)
    if pairs is None:
        return None
    try:
        numbers = {name: int(count) for name, count in pairs.items()}
    except ValueError:
        raise click.BadParameter(Message("cli.counts", value=value)) from None
    if any(n < 0 for n in numbers.values()):
        raise click.BadParameter(Message("cli.counts", value=value))
    return numbers


def expand_sheets(arguments: tuple[str, ...]) -> list[str]:
    """Raster arguments with folders and glob patterns expanded, in a stable order."""
    sheets: list[str] = []
    for argument in arguments:
        check_absolute(argument)
        if Path(argument).is_dir():
            found = sorted(
                str(p) for p in Path(argument).iterdir() if p.suffix.lower() in RASTER_SUFFIXES
            )
            if not found:
                raise click.BadParameter(Message("cli.folder_no_raster", folder=argument))
            sheets.extend(found)
        elif any(c in argument for c in "*?[") and "://" not in argument:
            found = sorted(glob.glob(argument))
            if not found:
                raise click.BadParameter(Message("cli.no_match", pattern=argument))
            sheets.extend(found)
        else:
            sheets.append(argument)
    return sheets
