"""Reading vector layers (labels, predictions, areas of interest) with clear errors.

Geometries are repaired on the way in (made valid, reduced to their polygonal parts), and the
number repaired is reported, never silently dropped.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Union

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from landseg import defaults
from landseg.errors import LandSegWarning, VectorReadError
from landseg.extras import require_geoparquet
from landseg.messages import Message

if TYPE_CHECKING:  # imported where a layer is read: a segmentation run never needs pandas
    import geopandas as gpd

VectorSource = Union[str, os.PathLike, "gpd.GeoDataFrame"]
AreaOfInterest = Union[str, os.PathLike, "gpd.GeoDataFrame", "gpd.GeoSeries", BaseGeometry]

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7
_EMPTY = shapely.Polygon()
_OUTPUT_LAYERS = {defaults.LAYER_NAME, "review", "layer_styles"}  # what ``segment`` writes


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
            listed = ", ".join(names) or "none"
            raise VectorReadError(Message("vector.no_layer", layer=name, name=layer, layers=listed))
        return layer
    if len(names) > 1 and defaults.LAYER_NAME in names and set(names) <= _OUTPUT_LAYERS:
        return defaults.LAYER_NAME  # LandSeg's own output: its polygons, not its review items
    if len(names) > 1:
        raise VectorReadError(
            Message(
                "vector.several_layers",
                layer=name,
                count=len(names),
                layers=", ".join(names),
                first=names[0],
                path=path,
            )
        )
    return names[0] if names else 0


def read_vector(
    source: VectorSource, role: str, *, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """The layer's features that have a geometry, and the name used for it in messages.

    ``source`` may name its layer as ``path|layername=NAME``; ``layer`` names it otherwise.
    GeoParquet files and folders (LandSeg's own outputs) are read too. Features without a
    geometry are left out with a warning; coordinates that are not numbers are refused.
    """
    import geopandas as gpd

    if isinstance(source, gpd.GeoDataFrame):
        frame, name = source, Message("layer.frame", role=role)
    elif isinstance(source, gpd.GeoSeries):
        frame, name = gpd.GeoDataFrame(geometry=source), Message("layer.series", role=role)
    else:
        frame, name = _read_file(source, role, layer)
    _refuse_nan_coordinates(frame, name)
    missing = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if missing.any() and not missing.all():  # all missing: require_polygons says so
        warnings.warn(
            Message("vector.no_geometry", layer=name, count=int(missing.sum()), total=len(frame)),
            LandSegWarning,
            stacklevel=3,
        )
        frame = frame[~missing]
    return frame, name


def _read_file(source: str | os.PathLike, role: str, layer: str | None):
    import geopandas as gpd

    path, named = split_layer(source)
    name = Message("layer.file", role=role, path=path)
    if not path.exists():
        raise VectorReadError(Message("vector.missing", role=role, path=path))
    try:
        if path.is_dir() or path.suffix.lower() == ".parquet":
            require_geoparquet(name)
            return gpd.read_parquet(path), name
        return gpd.read_file(path, layer=_data_layer(path, layer or named, name)), name
    except VectorReadError:
        raise
    except Exception as error:  # pyogrio and pyarrow raise several types for unreadable data
        cause = str(error).strip()[:200]
        raise VectorReadError(
            Message("vector.unreadable", role=role, path=path, error=cause)
        ) from None


def _refuse_nan_coordinates(frame: gpd.GeoDataFrame, name: str) -> None:
    coordinates, rows = shapely.get_coordinates(
        np.asarray(frame.geometry.array, dtype=object), return_index=True
    )
    bad = np.unique(rows[~np.isfinite(coordinates).all(axis=1)])
    if len(bad):
        raise VectorReadError(
            Message("vector.nan_coordinates", layer=name, count=len(bad), row=bad[0])
        )


def require_polygons(frame: gpd.GeoDataFrame, name: str) -> None:
    """Refuse a layer with no features, or with points or lines only, saying which it is."""
    if len(frame) == 0:
        raise VectorReadError(Message("vector.no_features", layer=name))
    types = set(frame.geometry.geom_type.dropna())
    if not types & {"Polygon", "MultiPolygon", "GeometryCollection"}:
        found = ", ".join(sorted(types)) or "empty geometries"
        raise VectorReadError(Message("vector.not_polygons", layer=name, types=found))


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
        name = Message("layer.aoi_geometry")
    else:
        frame, name = read_vector(aoi, "Area of interest")
        if frame.crs is None:
            raise VectorReadError(Message("vector.no_crs", layer=name))
        geometries = np.asarray(frame.to_crs(crs).geometry.array, dtype=object)
    geometries, _ = repair_polygons(geometries)
    region = shapely.union_all(geometries[~shapely.is_empty(geometries)])
    if region.is_empty or region.area <= 0:
        raise VectorReadError(Message("vector.no_area", layer=name))
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


def reproject(geometries, source: CRS, target: CRS):
    """Geometries (one, or an array) from the ``source`` CRS to ``target``; as they are when
    the two are equal. Straight edges stay straight, so densify long ones first."""
    if CRS.from_user_input(source) == CRS.from_user_input(target):
        return geometries
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )
