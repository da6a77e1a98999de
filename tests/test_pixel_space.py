"""An image without georeference (``--pixel-space``) is segmented as its georeferenced twin,
its polygons in pixel coordinates (x = column, y = -row) with areas in pixels."""

from __future__ import annotations

import cv2
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely

import landseg
from landseg.cli import main
from landseg.inference.pipeline import LAYER_NAME
from tests.own_datasets import NAIP_DIR


@pytest.fixture(scope="module")
def twins(small_scene, tmp_path_factory):
    """The synthetic scene (0.5 m, the shipped model's pixel size) and the same pixels as a PNG,
    each segmented."""
    folder = tmp_path_factory.mktemp("pixel_space")
    with rasterio.open(small_scene.raster_path) as src:
        rgb, transform = src.read([1, 2, 3]), src.transform
    photo = folder / "photo.png"
    cv2.imwrite(str(photo), np.ascontiguousarray(rgb.transpose(1, 2, 0)[..., ::-1]))
    landseg.segment(small_scene.raster_path, folder / "map.gpkg")
    landseg.segment(photo, folder / "photo.gpkg", pixel_space=True)
    return folder, transform


def test_a_photo_gives_its_georeferenced_twins_polygons_in_pixels(twins):
    folder, transform = twins
    on_map = gpd.read_file(folder / "map.gpkg")
    in_pixels = gpd.read_file(folder / "photo.gpkg")
    assert in_pixels.crs is None and len(in_pixels) == len(on_map) > 0
    assert list(in_pixels["class"]) == list(on_map["class"])
    assert np.allclose(in_pixels["score"], on_map["score"])
    origin = np.array([transform.c, transform.f])
    expected = shapely.transform(on_map.geometry.values, lambda xy: (xy - origin) / transform.a)
    distances = shapely.hausdorff_distance(in_pixels.geometry.values, expected)
    assert distances.max() < 1e-6
    pixel_area = transform.a**2
    assert np.allclose(in_pixels["area_px"], on_map["area_m2"] / pixel_area, atol=0.2)
    assert "area_m2" not in in_pixels.columns
    metadata = pyogrio.read_info(folder / "photo.gpkg", layer=LAYER_NAME)["layer_metadata"]
    assert metadata["processing_grid"] == "pixels"


def test_a_real_aerial_png_lies_on_its_own_pixels(tmp_path, capsys):
    """A NAIP image as a PNG (no georeference): the polygons lie within its columns and rows."""
    image = sorted((NAIP_DIR / "images").glob("*.png"))[0]
    height, width = cv2.imread(str(image)).shape[:2]
    main(["segment", str(image), "-o", str(tmp_path / "fields.gpkg"), "--pixel-space"])
    assert "Wrote" in capsys.readouterr().out
    polygons = gpd.read_file(tmp_path / "fields.gpkg")
    assert polygons.crs is None and len(polygons) > 0
    left, bottom, right, top = polygons.total_bounds
    assert left >= 0 and right <= width and -height <= bottom and top <= 0
    assert (polygons["area_px"] > 0).all()
