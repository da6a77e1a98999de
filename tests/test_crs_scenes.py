"""A scene warped from UTM to Web Mercator and to degrees segments as it does in UTM.

A perfect model (the labels themselves) stands in for the network, so every difference comes
from the CRS handling: the grid the model sees, the areas, the polygons brought back.
"""

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from pyproj import CRS, Geod
from rasterio.warp import Resampling, calculate_default_transform, reproject

from landseg import geodesy
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.model_files import ModelInfo
from landseg.io.synthetic import CLASS_NAMES, write_scene
from tests.standins import GroundTruthSegmenter

GEOD = Geod(ellps="WGS84")
MODEL_PIXEL_M = 0.5


def _warp(source, target, crs: str) -> None:
    """``source`` reprojected to ``crs`` (nearest neighbour: the labels stay exact)."""
    with rasterio.open(source) as src:
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds
        )
        profile = src.profile | {
            "crs": crs,
            "transform": transform,
            "width": width,
            "height": height,
        }
        with rasterio.open(target, "w", **profile) as dst:
            for band in range(1, src.count + 1):
                reproject(
                    rasterio.band(src, band),
                    rasterio.band(dst, band),
                    resampling=Resampling.nearest,
                )


class Recording(GroundTruthSegmenter):
    """The perfect model, with a training pixel size, keeping the tiles' transforms."""

    def __init__(self, labels, raster) -> None:
        super().__init__(labels, raster)
        self.info = ModelInfo(
            list(CLASS_NAMES), tile_size_px=256, overlap_px=32, pixel_size_m=MODEL_PIXEL_M
        )
        self.transforms = []

    def predict(self, tiles):
        self.transforms += [tile.transform for tile in tiles]
        return super().predict(tiles)


@pytest.fixture(scope="module", params=[(139.7, 35.0), (15.0, 60.0)], ids=["35N", "60N"])
def scenes(request, tmp_path_factory):
    """The UTM scene, and the same scene in EPSG:3857 and EPSG:4326."""
    lon, lat = request.param
    folder = tmp_path_factory.mktemp(f"crs{lat:.0f}")
    utm = geodesy.utm_code(CRS(4326), (lon, lat, lon, lat))
    scene = write_scene(
        folder / "utm", size_px=768, seed=5, crs=utm, near=(lon, lat), pixel_size_m=MODEL_PIXEL_M
    )
    rasters = {"utm": scene.raster_path}
    for crs in ("EPSG:3857", "EPSG:4326"):
        rasters[crs] = folder / f"{crs.replace(':', '-')}.tif"
        _warp(scene.raster_path, rasters[crs], crs)
    return scene, rasters


def _run(scene, raster, out):
    model = Recording(scene.labels_path, raster)
    notes = []
    segment(raster, out, model=model, progress=lambda f, m: notes.append(m))
    return gpd.read_file(out, layer=LAYER_NAME), model, notes


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:4326"])
def test_non_metric_raster_matches_its_utm_run(scenes, crs, tmp_path):
    scene, rasters = scenes
    utm, _, _ = _run(scene, rasters["utm"], tmp_path / "utm.gpkg")
    polygons, model, notes = _run(scene, rasters[crs], tmp_path / "out.gpkg")

    assert CRS(polygons.crs) == CRS(crs)  # written in the raster's CRS
    lonlat = polygons.to_crs(4326).geometry
    geodesic = np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in lonlat])
    assert np.allclose(polygons["area_m2"], geodesic, rtol=5e-3, atol=0.05)
    assert len(polygons) == pytest.approx(len(utm), rel=0.05)
    assert polygons["area_m2"].sum() == pytest.approx(utm["area_m2"].sum(), rel=0.05)

    grid = CRS(geodesy.utm_code(CRS(4326), tuple(lonlat.total_bounds)))
    for transform in model.transforms:  # what the model saw: 0.5 m pixels on the ground
        x, y = transform * (128, 128)
        width, height = geodesy.pixel_size_m(grid, transform, (x, y, x, y))
        assert width == pytest.approx(MODEL_PIXEL_M, rel=0.02)
        assert height == pytest.approx(MODEL_PIXEL_M, rel=0.02)
    assert any("local metric grid" in note for note in notes)
    metadata = pyogrio.read_info(tmp_path / "out.gpkg", layer=LAYER_NAME)["layer_metadata"]
    assert metadata["processing_grid"] == grid.name
    assert float(metadata["pixel_size_m"]) == MODEL_PIXEL_M


def test_utm_run_is_planar_as_before(scenes, tmp_path):
    """A metric CRS is read as it is: the model sees the raster's own pixels, areas are
    planar areas."""
    scene, rasters = scenes
    polygons, model, notes = _run(scene, rasters["utm"], tmp_path / "utm.gpkg")
    with rasterio.open(rasters["utm"]) as src:
        assert all(t.a == src.transform.a for t in model.transforms)
    assert np.array_equal(polygons["area_m2"], np.round(polygons.area, 2))
    assert not any("local metric grid" in note for note in notes)


def test_area_of_interest_gives_the_same_polygons_inside_it(scenes, tmp_path):
    """The grid does not move with the area: inside the area (away from its edge) a run over
    part of the raster finds exactly what the run over all of it finds."""
    scene, rasters = scenes
    for key in ("utm", "EPSG:3857"):
        whole, _, _ = _run(scene, rasters[key], tmp_path / f"whole-{key}.gpkg")
        left, bottom, right, top = whole.total_bounds
        width, height = right - left, top - bottom
        bbox = (left + 0.3 * width, bottom + 0.3 * height, left + 0.8 * width, top - 0.1 * height)
        model = Recording(scene.labels_path, rasters[key])
        part_path = tmp_path / f"part-{key}.gpkg"
        segment(rasters[key], part_path, model=model, bbox=bbox)
        part = gpd.read_file(part_path, layer=LAYER_NAME)
        inner = shapely.box(*bbox).buffer(-0.1 * width)
        inside = [g for g in whole.geometry if g.within(inner)]
        found = [g for g in part.geometry if g.within(inner)]
        assert inside and len(found) == len(inside)
        assert sorted(round(g.area, 6) for g in found) == sorted(round(g.area, 6) for g in inside)
