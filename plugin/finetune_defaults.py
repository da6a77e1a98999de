"""What the fine-tune dialog starts with: the label layer, the rasters ticked, the run folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qgis.core import (
    QgsCoordinateTransform,
    QgsCsException,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)

from . import settings


def default_folder() -> str:
    """A new, time-stamped run folder (beside the last one chosen, else in ~/landseg-runs)."""
    base = str(settings.value(settings.FINETUNE_FOLDER, "") or "")
    parent = Path(base).parent if base else Path.home() / "landseg-runs"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return str(parent / f"finetune-{stamp}")


def is_prediction_layer(layer: QgsVectorLayer) -> bool:
    """A layer LandSeg predicted (``score``, no review yet): its own output, not labels."""
    names = set(layer.fields().names())
    return "score" in names and "review_status" not in names


def default_label_layer(active) -> QgsVectorLayer | None:
    """The active polygon layer, else the first, leaving out LandSeg's predictions."""
    polygons = [
        layer
        for layer in QgsProject.instance().mapLayers().values()
        if isinstance(layer, QgsVectorLayer)
        and layer.geometryType() == QgsWkbTypes.PolygonGeometry
        and not is_prediction_layer(layer)
    ]
    return active if active in polygons else (polygons[0] if polygons else None)


def raster_ticked(raster: QgsRasterLayer, active, labels: QgsVectorLayer | None) -> bool:
    """Ticked at first: the active raster; else the rasters the labels lie on."""
    if isinstance(active, QgsRasterLayer):
        return raster.id() == active.id()
    if labels is None:
        return False
    to_raster = QgsCoordinateTransform(labels.crs(), raster.crs(), QgsProject.instance())
    try:
        return to_raster.transformBoundingBox(labels.extent()).intersects(raster.extent())
    except QgsCsException:
        return False
