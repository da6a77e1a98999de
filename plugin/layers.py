"""QGIS layers as the file paths the backend reads (the adapter's only layer logic)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from .translation import tr

DIRECT_VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml")


def raster_path(layer: QgsRasterLayer | None) -> str:
    """The file (or GDAL dataset string) behind a raster layer: what the backend opens."""
    if layer is None:
        raise ValueError(tr("Choose a raster layer to segment (add one to the project first)."))
    if layer.providerType() != "gdal":
        raise ValueError(
            tr(
                "Raster layer '{name}' is not a file GDAL can read (provider {provider}): "
                "save it as a GeoTIFF first (Export ▸ Save As…)."
            ).format(name=layer.name(), provider=layer.providerType())
        )
    return layer.source()


def _first_layer_name(path: str) -> str | None:
    try:
        from osgeo import ogr
    except ImportError:  # pragma: no cover - QGIS always ships GDAL's bindings
        return None
    dataset = ogr.Open(path)
    if dataset is None or dataset.GetLayerCount() == 0:
        return None
    return dataset.GetLayer(0).GetName()


def direct_vector_path(layer: QgsVectorLayer) -> str:
    """The layer's own file when it holds exactly its features as its first layer (an OGR
    file, no filter), else ""."""
    if layer.providerType() != "ogr" or layer.subsetString():
        return ""
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    name = parts.get("layerName") or ""
    readable = Path(path).suffix.lower() in DIRECT_VECTOR_SUFFIXES and Path(path).is_file()
    return path if path and readable and (not name or name == _first_layer_name(path)) else ""


def vector_path(layer: QgsVectorLayer | None, *, folder: str | None = None) -> str:
    """A file holding exactly this layer's features, as the first layer of its dataset.

    The layer's own file when that is so (an OGR file, no filter, the dataset's first layer);
    otherwise the features are written to a temporary GeoPackage first.
    """
    if layer is None:
        raise ValueError(tr("Choose a polygon layer with your labels."))
    direct = direct_vector_path(layer)
    if direct:
        return direct
    out_dir = Path(folder or tempfile.mkdtemp(prefix="landseg-labels-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", layer.name()).strip("_") or "labels"
    target = out_dir / f"{safe}.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = safe
    result = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(target), QgsProject.instance().transformContext(), options
    )
    if result[0] != QgsVectorFileWriter.NoError:
        raise ValueError(
            tr("Could not write layer '{name}' to '{path}': {error}").format(
                name=layer.name(), path=target, error=result[1]
            )
        )
    return str(target)


def write_polygons(features, crs, wkb_type, *, folder: str | None = None, name="aoi") -> str:
    """Write the geometries of ``features`` (no attributes) to a new GeoPackage; its path."""
    out_dir = Path(folder or tempfile.mkdtemp(prefix="landseg-aoi-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.gpkg"
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name
    writer = QgsVectorFileWriter.create(
        str(target), QgsFields(), wkb_type, crs, QgsProject.instance().transformContext(), options
    )
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise ValueError(
            tr("Could not write the area of interest to '{path}': {error}").format(
                path=target, error=writer.errorMessage()
            )
        )
    written = 0
    for feature in features:
        if not feature.hasGeometry():
            continue
        out = QgsFeature(QgsFields())
        out.setGeometry(feature.geometry())
        writer.addFeature(out)
        written += 1
    del writer  # closes the file
    if not written:
        raise ValueError(tr("The area of interest has no polygons."))
    return str(target)


def class_counts(layer: QgsVectorLayer, field_name: str) -> dict[str, int]:
    """Number of features per value of ``field_name`` (as text), most frequent first."""
    index = layer.fields().indexOf(field_name)
    if index < 0:
        return {}
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    request.setSubsetOfAttributes([index])
    counts: dict[str, int] = {}
    for feature in layer.getFeatures(request):
        value = feature.attribute(index)
        if value is None or (hasattr(value, "isNull") and value.isNull()):
            continue
        key = str(value)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def looks_like_ids(layer: QgsVectorLayer, field_name: str, counts: dict[str, int]) -> bool:
    """Whether a field looks like feature ids, not classes: integers, one value per feature."""
    index = layer.fields().indexOf(field_name)
    if index < 0 or not layer.fields().at(index).isNumeric() or len(counts) < 3:
        return False
    return all(n == 1 for n in counts.values())


def ids_warning(field_name: str) -> str:
    """The warning for a class field that holds numeric ids rather than class names."""
    return tr(
        "Field '{field}' looks like feature ids (a different number on every feature), not "
        "classes: choose the field that holds the land-cover class."
    ).format(field=field_name)
