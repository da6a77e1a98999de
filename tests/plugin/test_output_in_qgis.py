"""LandSeg's GeoPackage as QGIS sees it: valid layer, coloured by class from the stored style."""

from landseg.inference.pipeline import LAYER_NAME, segment
from tests.standins import GroundTruthSegmenter


def _segment_with_ground_truth(scene, out) -> None:
    """The scene segmented by a stand-in that returns its labels."""
    segment(
        scene.raster_path,
        out,
        model=GroundTruthSegmenter(scene.labels_path, scene.raster_path),
        tile_size_px=256,
        overlap_px=32,
    )


def test_segmentation_output_opens_categorized(qgis_app, small_scene, tmp_path):
    from qgis.core import QgsVectorLayer

    out = tmp_path / "landcover.gpkg"
    _segment_with_ground_truth(small_scene, out)
    layer = QgsVectorLayer(f"{out}|layername={LAYER_NAME}", "landcover", "ogr")
    assert layer.isValid()
    assert layer.featureCount() == sum(small_scene.class_counts.values())
    assert layer.crs().authid() == "EPSG:32654"
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol"
    assert renderer.classAttribute() == "class"
    categories = {c.value(): c.symbol().color().name() for c in renderer.categories()}
    assert categories == {
        "roof": "#d55e00",
        "farm": "#cc79a7",
        "rice-fields": "#f0e442",
        "Baren-Land": "#0072b2",
    }
    names = {f["class"] for f in layer.getFeatures()}
    assert names <= set(categories)


def test_flatgeobuf_output_opens_in_qgis(qgis_app, small_scene, tmp_path):
    """FlatGeobuf opens in QGIS with the GeoPackage's fields. (GeoParquet needs GDAL's Parquet
    driver, which Debian's QGIS 3.22 lacks; geopandas reads it, see tests/test_streaming.py.)"""
    from qgis.core import QgsVectorLayer

    out = tmp_path / "landcover.fgb"
    _segment_with_ground_truth(small_scene, out)
    layer = QgsVectorLayer(str(out), "landcover", "ogr")
    assert layer.isValid()
    assert layer.featureCount() == sum(small_scene.class_counts.values())
    assert layer.crs().authid() == "EPSG:32654"
    assert [f.name() for f in layer.fields()] == ["class", "class_id", "score", "area_m2"]
