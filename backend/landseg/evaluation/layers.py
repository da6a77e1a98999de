"""Reading one side of a map evaluation: CRS, class and score fields, repair and clipping."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from landseg.errors import LandSegWarning, VectorReadError
from landseg.geodesy import is_metric
from landseg.io.vectors import polygonal_parts, repair_polygons
from landseg.messages import Message

PREDICTION_CLASS_FIELD = "class"
SCORE_FIELD = "score"


@dataclass
class Layer:
    """One side after reading, reprojection, repair and clipping."""

    geometries: np.ndarray  # shapely polygons / multipolygons, in the evaluation CRS
    names: np.ndarray  # class name per feature (str)
    scores: np.ndarray  # float per feature (labels: unused)
    repaired: int
    dropped: int


def evaluation_crs(
    pred: gpd.GeoDataFrame, pred_name: str, label: gpd.GeoDataFrame, label_name: str
) -> CRS:
    """The predictions' CRS (a layer without CRS is an error unless it is empty).

    A CRS whose units are not ground metres over the data (geographic, Web Mercator) would
    give wrong areas, so the evaluation then runs in the UTM zone of the data instead.
    """
    for frame, name in ((pred, pred_name), (label, label_name)):
        if frame.crs is None and len(frame):
            raise VectorReadError(Message("vector.no_crs", layer=name))
    crs = pred.crs if pred.crs is not None else label.crs
    if crs is None:  # both empty
        return CRS.from_epsg(3857)
    crs = CRS.from_user_input(crs)
    sample = pred if len(pred) else label
    if len(sample) and (crs.is_geographic or (crs.is_projected and not _metric_here(crs, sample))):
        crs = CRS.from_user_input(sample.estimate_utm_crs())
    return crs


def prepare(
    frame: gpd.GeoDataFrame,
    name: str,
    crs: CRS,
    class_field: str,
    *,
    scored: bool,
    stacklevel: int = 2,
) -> Layer:
    """``frame`` in ``crs`` with repaired polygons, without features lacking polygon or class.

    ``stacklevel`` is that of the missing-score warning, counted from the caller.
    """
    if len(frame) == 0:
        return Layer(np.array([], dtype=object), np.array([], dtype=str), np.zeros(0), 0, 0)
    fields = [c for c in frame.columns if c != frame.geometry.name]
    if class_field not in frame.columns:
        key = "evaluate.no_field" if scored else "evaluate.no_field_or_name"
        listed = ", ".join(map(repr, fields)) or "none"
        raise VectorReadError(Message(key, layer=name, field=class_field, fields=listed))
    if frame.crs is not None and CRS.from_user_input(frame.crs) != crs:
        frame = frame.to_crs(crs)
    geometries, repaired = repair_polygons(np.asarray(frame.geometry.array, dtype=object))
    classes = frame[class_field]
    keep = ~shapely.is_empty(geometries) & classes.notna().to_numpy()
    scores = np.ones(len(frame))
    if scored:
        if SCORE_FIELD in frame.columns:
            scores = pd.to_numeric(frame[SCORE_FIELD], errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(keep & ~np.isfinite(scores))
            if len(bad):
                raise VectorReadError(
                    Message("evaluate.bad_scores", layer=name, count=len(bad), row=bad[0])
                )
        else:
            warnings.warn(
                Message("evaluate.no_scores", layer=name),
                LandSegWarning,
                stacklevel=stacklevel + 1,
            )
    dropped = int(len(frame) - keep.sum())
    if dropped:
        warnings.warn(
            Message("evaluation.left_out", layer=name, count=dropped, field=class_field),
            LandSegWarning,
            stacklevel=stacklevel + 1,
        )
    return Layer(
        geometries=geometries[keep],
        names=classes.to_numpy()[keep].astype(str),
        scores=scores[keep],
        repaired=repaired,
        dropped=dropped,
    )


def clip(layer: Layer, region: BaseGeometry) -> None:
    """Clip ``layer`` to ``region`` in place, dropping what lies outside."""
    inside = shapely.within(layer.geometries, region)
    crossing = ~inside & shapely.intersects(layer.geometries, region)
    clipped = layer.geometries.copy()
    clipped[crossing] = polygonal_parts(shapely.intersection(layer.geometries[crossing], region))
    keep = inside | (crossing & ~shapely.is_empty(clipped))
    layer.geometries, layer.names, layer.scores = (
        clipped[keep],
        layer.names[keep],
        layer.scores[keep],
    )


def _metric_here(crs: CRS, frame: gpd.GeoDataFrame) -> bool:
    return is_metric(crs, frame.to_crs(crs).total_bounds)
