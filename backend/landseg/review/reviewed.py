"""A reviewed layer as training labels: only where a person looked.

The QGIS review panel stores each decision in the layer: ``review_status`` (``accepted``,
``rejected``, ``corrected``, or ``area`` for a polygon drawn to mark an area as reviewed),
``reviewed_class`` and ``reviewed_at``. Accepted and corrected polygons are the labels (with
their reviewed class when one was given); rejected ones are places where nothing is; every
reviewed feature is part of the *reviewed extent*, and training tiles show only that extent —
the rest of a tile is blanked, so unreviewed places never teach the model that nothing is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from landseg.errors import VectorReadError
from landseg.io.vectors import read_vector, repair_polygons
from landseg.messages import Message
from landseg.spelling import is_blank, unify_spellings

STATUS_FIELD = "review_status"
CLASS_FIELD = "reviewed_class"
LABEL_STATUSES = ("accepted", "corrected")
EXTENT_STATUSES = (*LABEL_STATUSES, "rejected", "area")


@dataclass
class Reviewed:
    """What a review gives a dataset: labels, and the extent a person looked at."""

    labels: gpd.GeoDataFrame  # a ``class`` column, repaired polygons
    extent: shapely.Geometry  # in the labels' CRS
    counts: dict[str, int]  # features per review status


def read_reviewed(path: str | Path, *, layer: str | None = None) -> Reviewed:
    """The reviewed features of ``path`` (its ``landcover`` layer unless ``layer`` is given).

    Raises:
        VectorReadError: The layer has no review fields, no CRS, or no reviewed feature.
    """
    frame, name = read_vector(path, "Reviewed layer", layer=layer)
    if STATUS_FIELD not in frame.columns:
        raise VectorReadError(Message("review.no_status", layer=name))
    if frame.crs is None:
        raise VectorReadError(Message("vector.no_crs", layer=name))
    status = frame[STATUS_FIELD].fillna("").astype(str).str.strip().str.lower()
    reviewed = frame[status.isin(EXTENT_STATUSES)]
    if reviewed.empty:
        raise VectorReadError(Message("review.nothing_reviewed", layer=name))
    geometries, _ = repair_polygons(np.asarray(reviewed.geometry.array, dtype=object))
    extent = shapely.union_all(geometries[~shapely.is_empty(geometries)])
    labels = reviewed[status[reviewed.index].isin(LABEL_STATUSES)]
    classes = _classes(labels, name)
    label_geometries, repaired = repair_polygons(np.asarray(labels.geometry.array, dtype=object))
    frame_out = gpd.GeoDataFrame({"class": classes}, geometry=label_geometries, crs=frame.crs)
    frame_out.attrs["repaired"] = repaired
    counts = status[reviewed.index].value_counts().to_dict()
    return Reviewed(frame_out, extent, {str(k): int(v) for k, v in counts.items()})


def _classes(labels: gpd.GeoDataFrame, name: str) -> np.ndarray:
    """The reviewed class where one was given, else the class the model gave."""
    given = labels.get("class", gpd.pd.Series(index=labels.index, dtype=object))
    reviewed = labels.get(CLASS_FIELD, gpd.pd.Series(index=labels.index, dtype=object))
    chosen = reviewed.where(~is_blank(reviewed), given)
    unclassed = int(is_blank(chosen).sum())
    if unclassed:
        raise VectorReadError(Message("reviewed.unclassed", layer=name, count=unclassed))
    model_classes = dict.fromkeys(given[~is_blank(given)].astype(str).str.strip())
    return unify_spellings(chosen.astype(str).str.strip(), list(model_classes), name=name)
