"""The toolbar on an XYZ basemap at 35° N: the areas LandSeg writes are QGIS's own ellipsoidal
areas, though Web Mercator's metres are 1.22 ground metres there."""

from __future__ import annotations

import numpy as np
from affine import Affine
from PIL import Image

from tests.http_server import serve
from tests.plugin.harness import wait_until

ZOOM = 18
WORLD = 20037508.342789244
TILE_M = 2 * WORLD / 2**ZOOM  # one 256 px tile of zoom 18, in Web Mercator metres


def _write_tiles(root, lon: float, lat: float, tiles: int = 3) -> tuple[float, ...]:
    """``tiles`` x ``tiles`` PNG tiles of a synthetic scene at (lon, lat); their bounds."""
    import rasterio
    from pyproj import Transformer
    from rasterio.warp import Resampling, reproject

    from landseg.io.synthetic import write_scene

    scene = write_scene(root / "utm", size_px=768, seed=3, crs="EPSG:32654", near=(lon, lat))
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    first_x, first_y = int((x + WORLD) // TILE_M), int((WORLD - y) // TILE_M)
    size = tiles * 256
    left, top = first_x * TILE_M - WORLD, WORLD - first_y * TILE_M
    image = np.zeros((3, size, size), dtype="uint8")
    with rasterio.open(scene.raster_path) as src:
        reproject(
            src.read(),
            image,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=Affine(TILE_M / 256, 0, left, 0, -TILE_M / 256, top),
            dst_crs="EPSG:3857",
            resampling=Resampling.nearest,
        )
    for ty in range(tiles):
        for tx in range(tiles):
            folder = root / "tiles" / str(ZOOM) / str(first_x + tx)
            folder.mkdir(parents=True, exist_ok=True)
            block = image[:, ty * 256 : (ty + 1) * 256, tx * 256 : (tx + 1) * 256]
            Image.fromarray(block.transpose(1, 2, 0)).save(folder / f"{first_y + ty}.png")
    return left, top - tiles * TILE_M, left + tiles * TILE_M, top


def test_xyz_areas_are_qgis_ellipsoidal_areas(gui_plugin, iface, project, tmp_path):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsDistanceArea,
        QgsRasterLayer,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.gui import QgsMapCanvas

    from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
    from plugin import settings
    from plugin.segment_dialog import AREA_CANVAS

    bounds = _write_tiles(tmp_path, 139.7, 35.0)
    with serve(tmp_path / "tiles") as server:
        url = f"http://127.0.0.1:{server.server_port}/%7Bz%7D/%7Bx%7D/%7By%7D.png"
        tiles = QgsRasterLayer(f"type=xyz&url={url}&zmax={ZOOM}&zmin=0", "basemap", "wms")
        assert tiles.isValid()
        project.addMapLayer(tiles)
        canvas = QgsMapCanvas()
        canvas.resize(400, 400)
        canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
        canvas.setExtent(QgsRectangle(*bounds))
        iface.canvas = canvas
        iface.setActiveLayer(tiles)
        settings.set_value(settings.MODEL, str(DEFAULT_MODEL_PATH))  # finds things in scenes
        dialog = gui_plugin.show_segment_dialog()
        assert wait_until(lambda: dialog.model_info is not None or bool(dialog.model_error), 60)
        dialog.set_area_choice(AREA_CANVAS)
        dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
        out = tmp_path / "landcover.gpkg"
        dialog.output_widget.setFilePath(str(out))
        dialog.accept()
        (task,) = gui_plugin.tasks
        assert wait_until(lambda: task.done, 240)
    assert task.succeeded, task.outcome.error and task.outcome.error.details

    layer = QgsVectorLayer(f"{out}|layername=landcover", "out", "ogr")
    assert layer.isValid() and layer.crs().authid() == "EPSG:3857"
    measure = QgsDistanceArea()
    measure.setSourceCrs(layer.crs(), project.transformContext())
    measure.setEllipsoid("EPSG:7030")  # WGS 84
    features = list(layer.getFeatures())
    assert features, "the model found nothing to measure"
    for feature in features:
        planar = feature.geometry().area()
        ellipsoidal = measure.measureArea(feature.geometry())
        assert abs(feature["area_m2"] - ellipsoidal) <= 0.005 * ellipsoidal + 0.05
        assert planar > 1.4 * ellipsoidal  # what a planar area would have said
