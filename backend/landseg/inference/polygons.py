"""A run's polygons: merged instances (and review items) as clean, clipped map geometries with
their fields, measured on the processing grid and written in the output's CRS."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from landseg.geodesy import areas_m2
from landseg.inference.confidence import SIGNALS, Calibration, signal_columns
from landseg.inference.plan import Plan
from landseg.inference.stitch import MergedInstance
from landseg.inference.vectorize import clean, pixels_to_map
from landseg.io.features import Features
from landseg.io.vectors import polygonal_parts, repair_polygons, reproject


def to_polygons(
    merged: list[MergedInstance],
    *,
    plan: Plan,
    names: Sequence[str],
    min_area_m2: float,
    simplify_tolerance_m: float | None,
    square_roofs: bool,
    review: bool = False,
    calibration: Calibration | None = None,
    min_p_correct: float | None = None,
) -> Features:
    """Merged instances as clean, clipped map polygons with their fields: with a
    ``calibration``, each one's ``p_correct`` (those under ``min_p_correct`` left out); for a
    review, its agreement, class margin, review priority and the signals of ``p_correct``."""
    map_geometries = pixels_to_map([m.geometry for m in merged], plan.transform)
    tolerance = (
        simplify_tolerance_m / plan.metres_per_unit
        if simplify_tolerance_m is not None
        else abs(plan.transform.a)
    )
    class_ids = np.array([m.class_id for m in merged], dtype=int)
    square = np.array([names[c] == "roof" for c in class_ids], dtype=bool) if square_roofs else None
    geometries = clean(map_geometries, simplify_tolerance=tolerance, square=square)
    if plan.region is not None:
        geometries = polygonal_parts(shapely.intersection(geometries, plan.region))
    areas = areas_m2(geometries, plan.crs) if len(geometries) else np.empty(0)
    keep = (areas >= min_area_m2) & ~shapely.is_empty(geometries)
    signals = signal_columns(merged, plan.tile_size_px)
    p_correct = (
        calibration.p_correct(signals, [names[c] for c in class_ids]) if calibration else None
    )
    if p_correct is not None and min_p_correct is not None:
        keep &= p_correct >= min_p_correct
    fields = {
        "class": np.array([names[c] for c in class_ids[keep]], dtype=object),
        "class_id": class_ids[keep].astype("int32"),
        "score": np.round(signals["score"][keep], 4),
        "area_m2": np.round(areas[keep], 2),
    }
    if p_correct is not None:
        fields["p_correct"] = np.round(p_correct[keep], 4)
    if review:
        for name in ("agreement", "class_margin", "review_priority"):
            values = np.array([getattr(m, name) for m in merged], dtype=float)
            fields[name] = np.round(values[keep], 4)
        for name in SIGNALS[1:]:
            fields[name] = np.round(signals[name][keep], 4)
    written = _multi(_in_output_crs(geometries[keep], plan))
    if plan.pixel_space is not None:  # pixel coordinates: areas in pixels
        fields = {("area_px" if k == "area_m2" else k): v for k, v in fields.items()}
        fields["area_px"] = np.round(shapely.area(written), 1)
    return Features(fields, written, plan.output_crs)


def _in_output_crs(geometries: np.ndarray, plan: Plan) -> np.ndarray:
    """Geometries of the processing grid in the output's CRS (valid, polygonal), or in pixel
    coordinates for an image in pixel space."""
    if plan.pixel_space is not None:
        return plan.pixel_space.to_pixels(geometries)
    if plan.output_crs == plan.crs or not len(geometries):
        return geometries
    return repair_polygons(reproject(geometries, plan.crs, plan.output_crs))[0]


def _multi(geometries: np.ndarray) -> np.ndarray:
    """Every outline as a MultiPolygon, whatever the output format (as a GeoPackage stores it)."""
    multi = [shapely.MultiPolygon([g]) if shapely.get_type_id(g) == 3 else g for g in geometries]
    return np.array(multi, dtype=object).reshape(-1)


def review_items(items: list, *, plan: Plan, names: Sequence[str]) -> Features:
    """Review items as map polygons: class, score, priority and the reason to look."""
    geometries = polygonal_parts(pixels_to_map([item.geometry for item in items], plan.transform))
    if plan.region is not None:
        geometries = polygonal_parts(shapely.intersection(geometries, plan.region))
    keep = ~shapely.is_empty(geometries) if len(items) else np.zeros(0, dtype=bool)
    chosen = [item for item, kept in zip(items, keep, strict=True) if kept]
    fields = {
        "class": np.array([names[i.class_id] for i in chosen], dtype=object),
        "score": np.array([round(i.score, 4) for i in chosen], dtype=float),
        "review_priority": np.array([round(i.priority, 4) for i in chosen], dtype=float),
        "reason": np.array([i.reason for i in chosen], dtype=object),
    }
    return Features(fields, _in_output_crs(geometries[keep], plan), plan.output_crs)
