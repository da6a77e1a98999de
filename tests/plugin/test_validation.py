"""Parameters checked before any worker starts; class fields described; a CRS set in QGIS."""

from __future__ import annotations

import gc
import time

import pyogrio
import pytest

from plugin import warm_worker


def algorithm(name: str):
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().algorithmById(f"landseg:{name}")


def check(name: str, parameters: dict) -> tuple[bool, str]:
    from qgis.core import QgsProcessingContext

    return algorithm(name).checkParameterValues(parameters, QgsProcessingContext())


def test_bad_segment_parameters_are_reported_at_once(provider, small_scene, tmp_path):
    warm_worker.stop_all()
    started = time.monotonic()
    ok, message = check(
        "segment",
        {
            "INPUT": str(small_scene.raster_path),
            "MODEL": str(tmp_path / "missing.pt"),
            "TILE_SIZE": 100,
            "OVERLAP": 60,
            "OUTPUT": str(tmp_path / "out.gpkg"),
        },
    )
    assert not ok
    assert "multiple of 32" in message and "less than half" in message
    assert "missing.pt' does not exist" in message
    assert time.monotonic() - started < 2 and not warm_worker._workers  # no worker started
    ok, message = check(
        "segment", {"INPUT": str(small_scene.raster_path), "OUTPUT": str(tmp_path / "out.shp")}
    )
    assert not ok and "GeoPackage" in message


def test_an_unwritable_output_fails_before_any_evaluation(provider, small_scene, tmp_path):
    from qgis.core import QgsProcessingException

    (tmp_path / "a_file").write_text("x")
    parameters = {
        "PREDICTIONS": str(small_scene.labels_path),
        "LABELS": str(small_scene.labels_path),
        "CLASS_FIELD": "class",
        "OUTPUT": str(tmp_path / "a_file" / "figures.json"),
    }
    ok, message = check("evaluate", parameters)
    assert not ok and "it is a file" in message
    import processing

    warm_worker.stop_all()
    started = time.monotonic()
    with pytest.raises(QgsProcessingException, match="it is a file"):
        processing.run("landseg:evaluate", parameters)
    assert time.monotonic() - started < 2


def test_parameter_labels_say_optional_once(provider):
    descriptions = [p.description() for p in algorithm("segment").parameterDefinitions()]
    assert "Extent" in descriptions
    assert not any("(optional)" in d for d in descriptions)


def test_export_dataset_field_checks_and_id_warning(provider, small_scene, tmp_path):
    from qgis.core import QgsFeatureRequest, QgsField, QgsVectorLayer
    from qgis.PyQt.QtCore import QVariant

    from tests.plugin.test_algorithms import make_feedback

    ok, message = check(
        "export_dataset",
        {
            "RASTERS": [str(small_scene.raster_path)],
            "LABELS": str(small_scene.labels_path),
            "CLASS_FIELD": "landuse",
            "OUTPUT": str(tmp_path / "d"),
        },
    )
    assert not ok and "no field 'landuse'" in message

    source = QgsVectorLayer(str(small_scene.labels_path), "labels", "ogr")
    labels = source.materialize(QgsFeatureRequest())
    labels.startEditing()
    labels.addAttribute(QgsField("fid_copy", QVariant.Int))
    index = labels.fields().indexOf("fid_copy")
    for number, feature in enumerate(labels.getFeatures()):
        labels.changeAttributeValue(feature.id(), index, number)
    labels.commitChanges()
    import processing

    feedback = make_feedback()()
    with pytest.raises(Exception):  # noqa: B017 - ids are no classes: the export finds none
        processing.run(
            "landseg:export_dataset",
            {
                "RASTERS": [str(small_scene.raster_path)],
                "LABELS": labels,
                "CLASS_FIELD": "fid_copy",
                "CLASSES": "roof,farm",
                "TILE_SIZE": 128,
                "OVERLAP": 16,
                "OUTPUT": str(tmp_path / "ids"),
            },
            feedback=feedback,
        )
    assert any("looks like feature ids" in e for e in feedback.errors)
    assert any("none of the model's classes" in e for e in feedback.errors)
    assert any(i.startswith("Values of 'fid_copy': ") for i in feedback.infos)
    # Layers must go before QGIS exits (a memory layer freed after exitQgis crashes Python).
    labels.deleteLater()
    del labels, source
    gc.collect()


@pytest.mark.slow
def test_a_crs_set_in_qgis_reaches_the_backend(provider, small_scene, tiny_model, tmp_path):
    import processing
    import rasterio
    from osgeo import gdal
    from qgis.core import QgsCoordinateReferenceSystem, QgsRasterLayer

    from plugin import sources

    bare = tmp_path / "no_crs.tif"
    with rasterio.open(small_scene.raster_path) as src:
        profile, pixels = {**src.profile, "crs": None}, src.read()
    with rasterio.open(bare, "w", **profile) as dst:
        dst.write(pixels)
    assert not gdal.Open(str(bare)).GetProjection()
    layer = QgsRasterLayer(str(bare), "bare")
    layer.setCrs(QgsCoordinateReferenceSystem("EPSG:32654"))
    assert sources.assigned_crs(layer) == "EPSG:32654"
    assert sources.assigned_crs(QgsRasterLayer(str(small_scene.raster_path), "x")) is None
    out = tmp_path / "out.gpkg"
    result = processing.run(
        "landseg:segment", {"INPUT": layer, "MODEL": tiny_model, "DEVICE": 1, "OUTPUT": str(out)}
    )
    assert result["INSTANCES"] == pyogrio.read_info(out, layer="landcover")["features"]
