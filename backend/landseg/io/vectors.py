"""Reading vector layers (labels, predictions, areas of interest) with clear errors.

Geometries are repaired on the way in (made valid, reduced to their polygonal parts), and the
number repaired is reported, never silently dropped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landseg.errors import VectorReadError

if TYPE_CHECKING:  # imported where a layer is read: a segmentation run never needs pandas
    import geopandas as gpd

VectorSource = Union[str, os.PathLike, "gpd.GeoDataFrame"]
AreaOfInterest = Union[str, os.PathLike, "gpd.GeoDataFrame", "gpd.GeoSeries", BaseGeometry]

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7
_EMPTY = shapely.Polygon()
CRS_FIX = (
    "assign the CRS its coordinates are in (QGIS: Layer Properties > Source > Assigned "
    "Coordinate Reference System, then save; geopandas: frame.set_crs('EPSG:32654')) "
    "and run again"
)


def split_layer(source: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """``file.gpkg|layername=roads`` (QGIS's way of naming a layer) as path and layer name."""
    text = os.fspath(source)
    if "|" not in text:
        return Path(text), None
    path, _, option = text.partition("|")
    key, _, value = option.partition("=")
    return Path(path), value if key.strip().lower() == "layername" and value else None


def _data_layer(path: Path, layer: str | None, name: str) -> str | int:
    """The layer to read: the one asked for, or the file's only data layer.

    QGIS's ``layer_styles`` table is not a data layer. A file with several layers and no choice
    is refused with their names, rather than silently reading the first.
    """
    import pyogrio

    try:
        names = [n for n, _ in pyogrio.list_layers(path) if n != "layer_styles"]
    except Exception:  # not a vector file: read_file says so below
        return layer or 0
    if layer is not None:
        if layer not in names:
            raise VectorReadError(
                f"{name} has no layer '{layer}' (layers: {', '.join(names) or 'none'}): choose "
                "one of those."
            )
        return layer
    if len(names) > 1:
        raise VectorReadError(
            f"{name} has {len(names)} layers ({', '.join(names)}): choose one, e.g. "
            f"--labels-layer {names[0]} (or {path}|layername={names[0]})."
        )
    return names[0] if names else 0


def read_vector(
    source: VectorSource, role: str, *, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """The layer and the name used for it in messages.

    ``source`` may name its layer as ``path|layername=NAME``; ``layer`` names it otherwise.
    """
    import geopandas as gpd

    if isinstance(source, gpd.GeoDataFrame):
        return source, f"{role} GeoDataFrame"
    if isinstance(source, gpd.GeoSeries):
        return gpd.GeoDataFrame(geometry=source), f"{role} GeoSeries"
    path, named = split_layer(source)
    name = f"{role} file '{path}'"
    if not path.exists():
        raise VectorReadError(f"{name} does not exist: check the path.")
    chosen = _data_layer(path, layer or named, name)
    try:
        frame = gpd.read_file(path, layer=chosen)
    except Exception as error:  # pyogrio raises several types for unreadable data
        raise VectorReadError(
            f"{name} cannot be read ({error}): give a GeoPackage, Shapefile or GeoJSON of polygons."
        ) from None
    return frame, name


def require_polygons(frame: gpd.GeoDataFrame, name: str) -> None:
    """Refuse a layer with no features, or with points or lines only, saying which it is."""
    if len(frame) == 0:
        raise VectorReadError(f"{name} holds no features: give the layer with your polygons.")
    types = set(frame.geometry.geom_type.dropna())
    if not types & {"Polygon", "MultiPolygon", "GeometryCollection"}:
        found = ", ".join(sorted(types)) or "empty geometries"
        raise VectorReadError(
            f"{name} holds {found}, not polygons: give a polygon layer (QGIS: Buffer turns "
            "points or lines into polygons)."
        )


def area_of_interest(
    aoi: AreaOfInterest | None, crs: CRS, input_crs: CRS | None
) -> BaseGeometry | None:
    """The area of interest as one prepared geometry in ``crs``.

    A bare geometry is taken to be in ``input_crs``, the CRS the predictions came in.
    """
    if aoi is None:
        return None
    if isinstance(aoi, BaseGeometry):
        import geopandas as gpd

        series = gpd.GeoSeries([aoi], crs=input_crs)
        if input_crs is not None:
            series = series.to_crs(crs)
        geometries = np.asarray(series.array, dtype=object)
        name = "Area of interest geometry"
    else:
        frame, name = read_vector(aoi, "Area of interest")
        if frame.crs is None:
            raise VectorReadError(f"{name} has no CRS: {CRS_FIX}.")
        geometries = np.asarray(frame.to_crs(crs).geometry.array, dtype=object)
    geometries, _ = repair_polygons(geometries)
    region = shapely.union_all(geometries[~shapely.is_empty(geometries)])
    if region.is_empty or region.area <= 0:
        raise VectorReadError(f"{name} holds no polygon with an area: give polygons.")
    shapely.prepare(region)
    return region


def repair_polygons(geometries: np.ndarray) -> tuple[np.ndarray, int]:
    """Valid polygonal geometries (empty where none is left) and the count made valid."""
    geometries = geometries.copy()
    missing = shapely.is_missing(geometries)
    geometries[missing] = _EMPTY
    invalid = ~shapely.is_valid(geometries)
    geometries[invalid] = shapely.make_valid(geometries[invalid])
    return polygonal_parts(geometries), int(invalid.sum())


def polygonal_parts(geometries: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (empty polygon where there are none)."""
    types = shapely.get_type_id(geometries)
    out = geometries.copy()
    for i in np.flatnonzero((types != _POLYGON) & (types != _MULTIPOLYGON)):
        if types[i] == _COLLECTION:
            parts = shapely.get_parts(shapely.get_parts(geometries[i]))
            polygons = [p for p in parts if shapely.get_type_id(p) == _POLYGON and p.area > 0]
            out[i] = shapely.MultiPolygon(polygons) if polygons else _EMPTY
        else:
            out[i] = _EMPTY
    return out
