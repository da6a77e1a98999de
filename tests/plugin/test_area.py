"""Areas and sources for segmentation: AOI polygons, extents, pixel size, XYZ tile layers."""

from __future__ import annotations

import pytest

from tests.plugin.harness import wait_until
from tests.plugin.test_algorithms import make_feedback, open_landcover, run

XYZ_SOURCE = (
    "type=xyz&url=https://tiles.example.com/%7Bz%7D/%7Bx%7D/%7By%7D.png?key%3Da%26b&zmax=17"
)


def xyz_layer():
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer(XYZ_SOURCE, "tiles", "wms")
    assert layer.isValid()
    return layer


def scene_layer(scene):
    from qgis.core import QgsRasterLayer

    raster = QgsRasterLayer(str(scene.raster_path), "scene")
    assert raster.isValid()
    return raster


def halves_in_wgs84(raster):
    """A memory layer (EPSG:4326) with the raster's left and right halves as two polygons."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFeature,
        QgsGeometry,
        QgsProject,
        QgsRectangle,
        QgsVectorLayer,
    )

    e = raster.extent()
    mid = (e.xMinimum() + e.xMaximum()) / 2
    left = QgsRectangle(e.xMinimum(), e.yMinimum(), mid, e.yMaximum())
    right = QgsRectangle(mid, e.yMinimum(), e.xMaximum(), e.yMaximum())
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    transform = QgsCoordinateTransform(raster.crs(), wgs84, QgsProject.instance())
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "halves", "memory")
    features = []
    for rect in (left, right):
        geometry = QgsGeometry.fromRect(rect)
        geometry.transform(transform)
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    return layer, QgsGeometry.fromRect(left)


# --- sources ---------------------------------------------------------------------------------
def test_xyz_layer_becomes_a_gdal_wms_description(qgis_app):
    from osgeo import gdal

    from plugin.sources import backend_source, is_xyz

    layer = xyz_layer()
    assert is_xyz(layer)
    xml = backend_source(layer)
    assert xml.startswith('<GDAL_WMS><Service name="TMS">')
    assert "<ServerUrl>https://tiles.example.com/${z}/${x}/${y}.png?key=a&amp;b</ServerUrl>" in xml
    assert "<TileLevel>17</TileLevel>" in xml
    assert "<BandsCount>3</BandsCount>" in xml
    assert "<ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes>" in xml
    assert "<Cache" not in xml
    assert "<Projection>EPSG:3857</Projection>" in xml
    dataset = gdal.Open(xml)  # GDAL opens it without fetching a tile
    assert dataset is not None and dataset.RasterCount == 3


def test_other_sources(qgis_app, small_scene):
    from qgis.core import QgsRasterLayer

    from plugin.sources import DEFAULT_XYZ_ZMAX, backend_source, is_xyz

    raster = scene_layer(small_scene)
    assert backend_source(raster) == str(small_scene.raster_path)
    assert not is_xyz(raster)
    no_zmax = QgsRasterLayer("type=xyz&url=https://t.example.com/{z}/{x}/{y}.png", "t", "wms")
    assert f"<TileLevel>{DEFAULT_XYZ_ZMAX}</TileLevel>" in backend_source(no_zmax)
    wms = QgsRasterLayer(
        "contextualWMSLegend=0&crs=EPSG:4326&format=image/png&layers=a&styles=&"
        "url=https://wms.example.com/wms",
        "wms",
        "wms",
    )
    with pytest.raises(ValueError, match="WMS/WMTS service: LandSeg does not read those yet"):
        backend_source(wms)
    with pytest.raises(ValueError, match="Choose a raster layer"):
        backend_source(None)


# --- Processing -----------------------------------------------------------------------------
def test_segment_refuses_an_xyz_layer_without_area(provider, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="covers the whole world"):
        run("landseg:segment", {"INPUT": xyz_layer(), "OUTPUT": str(tmp_path / "out.gpkg")})


def shipped_model() -> str:
    """The shipped model: it finds objects in the synthetic scenes (the tiny one may not)."""
    from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH

    return str(DEFAULT_MODEL_PATH)


def test_segment_with_selected_aoi_in_another_crs(provider, project, small_scene, tmp_path):
    from qgis.core import QgsProcessingFeatureSourceDefinition

    raster = scene_layer(small_scene)
    halves, left = halves_in_wgs84(raster)
    project.addMapLayer(halves)
    halves.selectByIds([next(halves.getFeatures()).id()])  # the left half only
    out = tmp_path / "aoi.gpkg"
    feedback = make_feedback()()
    result = run(
        "landseg:segment",
        {
            "INPUT": raster,
            "AOI": QgsProcessingFeatureSourceDefinition(halves.id(), selectedFeaturesOnly=True),
            "MODEL": shipped_model(),
            "DEVICE": 1,
            "OUTPUT": str(out),
        },
        feedback,
    )
    (command,) = feedback.commands
    assert " --aoi " in command
    layer = open_landcover(out)
    assert layer.isValid() and layer.featureCount() == result["INSTANCES"] > 0
    allowed = left.buffer(1.0, 4)  # the AOI went to WGS 84 and back: allow a metre
    for feature in layer.getFeatures():
        assert allowed.contains(feature.geometry()), feature.geometry().asWkt()


def test_segment_with_extent_and_pixel_size(provider, small_scene, tmp_path):
    from qgis.core import QgsGeometry, QgsRectangle

    raster = scene_layer(small_scene)
    e = raster.extent()
    box = QgsRectangle(e.xMinimum(), e.yMinimum(), e.xMinimum() + 150, e.yMinimum() + 150)
    crs = raster.crs().authid()
    extent = f"{box.xMinimum()},{box.xMaximum()},{box.yMinimum()},{box.yMaximum()} [{crs}]"
    out = tmp_path / "extent.gpkg"
    feedback = make_feedback()()
    result = run(
        "landseg:segment",
        {
            "INPUT": raster,
            "EXTENT": extent,
            "MODEL": shipped_model(),
            "DEVICE": 1,
            "OUTPUT": str(out),
        },
        feedback,
    )
    (command,) = feedback.commands
    assert f" --bbox {box.xMinimum()!r},{box.yMinimum()!r}," in command
    assert "--pixel-size" not in command
    layer = open_landcover(out)
    assert layer.isValid() and layer.featureCount() == result["INSTANCES"] > 0
    allowed = QgsGeometry.fromRect(box).buffer(0.01, 1)
    for feature in layer.getFeatures():
        assert allowed.contains(feature.geometry())

    out = tmp_path / "coarse.gpkg"
    feedback = make_feedback()()
    run(
        "landseg:segment",
        {
            "INPUT": raster,
            "PIXEL_SIZE": 1.0,  # the scene is 0.5 m
            "MODEL": shipped_model(),
            "DEVICE": 1,
            "OUTPUT": str(out),
        },
        feedback,
    )
    (command,) = feedback.commands
    assert " --pixel-size 1 " in command
    assert open_landcover(out).isValid()


# --- toolbar dialog -------------------------------------------------------------------------
def arg_after(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_dialog_area_choices_build_the_worker_arguments(
    gui_plugin, iface, project, small_scene, tiny_model
):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.gui import QgsMapCanvas

    from plugin import settings
    from plugin.segment_dialog import AREA_CANVAS, AREA_LAYER, AREA_SELECTION

    # without a map canvas, "visible map extent" cannot be chosen
    dialog = gui_plugin.show_segment_dialog()
    assert not dialog.area_combo.model().item(1).isEnabled()
    dialog.close()

    canvas = QgsMapCanvas()
    canvas.resize(400, 400)
    iface.canvas = canvas
    raster = scene_layer(small_scene)
    halves, _left = halves_in_wgs84(raster)
    project.addMapLayers([raster, halves])
    iface.setActiveLayer(raster)
    settings.set_value(settings.MODEL, tiny_model)
    dialog = gui_plugin.show_segment_dialog()
    assert wait_until(lambda: dialog.model_info is not None or bool(dialog.model_error), 60)
    assert dialog.area_combo.model().item(1).isEnabled()

    # whole layer (default), model's pixel size
    assert dialog.area_choice() == AREA_LAYER
    args = dialog.build_request().args
    assert "--aoi" not in args and "--bbox" not in args and "--pixel-size" not in args
    assert args[1] == str(small_scene.raster_path)

    # visible map extent, in WGS 84 on the canvas: a bbox in the raster's CRS
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    canvas.setDestinationCrs(wgs84)
    to_wgs84 = QgsCoordinateTransform(raster.crs(), wgs84, project)
    canvas.setExtent(to_wgs84.transformBoundingBox(raster.extent()))
    dialog.set_area_choice(AREA_CANVAS)
    dialog.pixel_spin.setValue(0.75)
    assert dialog.validate() == []
    args = dialog.build_request().args
    expected = QgsCoordinateTransform(wgs84, raster.crs(), project).transformBoundingBox(
        canvas.extent()
    )
    bbox = [float(v) for v in arg_after(args, "--bbox").split(",")]
    assert bbox == pytest.approx(
        [expected.xMinimum(), expected.yMinimum(), expected.xMaximum(), expected.yMaximum()]
    )
    assert QgsRectangle(*bbox).contains(raster.extent().buffered(-1.0))
    assert arg_after(args, "--pixel-size") == "0.75"

    # selected features of a polygon layer: a GeoPackage holding only those
    dialog.set_area_choice(AREA_SELECTION)
    dialog.aoi_combo.setLayer(halves)
    assert any("Select one or more polygons" in e for e in dialog.validate())
    halves.selectByIds([next(halves.getFeatures()).id()])
    assert dialog.validate() == []
    args = dialog.build_request().args
    assert "--bbox" not in args
    aoi = QgsVectorLayer(arg_after(args, "--aoi"), "aoi", "ogr")
    assert aoi.isValid() and aoi.featureCount() == 1
    assert aoi.crs().authid() == "EPSG:4326"

    # an XYZ layer needs an area
    tiles = xyz_layer()
    project.addMapLayer(tiles)
    dialog.raster_combo.setLayer(tiles)
    dialog.set_area_choice(AREA_LAYER)
    assert any("covers the whole world" in e for e in dialog.validate())
    dialog.set_area_choice(AREA_CANVAS)
    assert dialog.validate() == []
    args = dialog.build_request().args
    assert args[1].startswith("<GDAL_WMS>")
    assert "--bbox" in args
    dialog.close()
    iface.canvas = None
