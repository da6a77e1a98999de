"""Ground sizes in every CRS, checked against geodesics that pyproj measures on the ellipsoid."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer

from landseg import geodesy
from landseg.errors import InvalidParameterError
from landseg.training.dataset import export_dataset

GEOD = Geod(ellps="WGS84")
# (CRS, longitude, latitude): UTM, Web Mercator and degrees at 35° and 60° N, US survey feet
# (New York), and a Lambert conformal conic (France)
PLACES = [
    ("EPSG:32654", 139.7, 35.0),
    ("EPSG:32633", 15.0, 60.0),
    ("EPSG:3857", 139.7, 35.0),
    ("EPSG:3857", 15.0, 60.0),
    ("EPSG:4326", 139.7, 35.0),
    ("EPSG:4326", 15.0, 60.0),
    ("EPSG:2263", -73.9, 40.7),
    ("EPSG:2154", 2.5, 47.0),
]


def _at(crs: str, lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)


def _true_pixel_m(crs: str, transform: Affine, col: float, row: float) -> tuple[float, float]:
    """A pixel's width and height as the geodesics along 100 pixels, divided by 100."""
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    (x0, y0), (x1, y1), (x2, y2) = (
        transform * p for p in [(col, row), (col + 100, row), (col, row + 100)]
    )
    lon0, lat0 = to_lonlat.transform(x0, y0)
    lon1, lat1 = to_lonlat.transform(x1, y1)
    lon2, lat2 = to_lonlat.transform(x2, y2)
    return GEOD.inv(lon0, lat0, lon1, lat1)[2] / 100, GEOD.inv(lon0, lat0, lon2, lat2)[2] / 100


def _geodesic_area(geometry, crs: str) -> float:
    lonlat = gpd.GeoSeries([geometry], crs=crs).to_crs("EPSG:4326").iloc[0]
    return abs(GEOD.geometry_area_perimeter(lonlat)[0])


@pytest.mark.parametrize(("crs", "lon", "lat"), PLACES)
def test_pixel_size_is_the_ground_size_in_both_axes(crs, lon, lat):
    x, y = _at(crs, lon, lat)
    step = 3e-6 if CRS(crs).is_geographic else 0.5
    transform = Affine(step, 0, x, 0, -step, y)
    (left, top), (right, bottom) = transform * (0, 0), transform * (200, 200)
    measured = geodesy.pixel_size_m(CRS(crs), transform, (left, bottom, right, top))
    truth = _true_pixel_m(crs, transform, 100, 100)
    assert measured == pytest.approx(truth, rel=2e-3)


@pytest.mark.parametrize(("crs", "lon", "lat"), PLACES)
def test_areas_are_geodesic_areas(crs, lon, lat):
    """A 100 m plot and a 2 km field, within 0.5 % of their area on the ellipsoid (0.1 %
    where the CRS is not treated as metric)."""
    x, y = _at(crs, lon, lat)
    for size_m in (100, 2000):
        dx, dy = geodesy.units_spanning(size_m, CRS(crs), x, y)
        field = shapely.Polygon([(x, y), (x + dx, y), (x + 0.6 * dx, y + dy), (x, y + 0.8 * dy)])
        (area,) = geodesy.areas_m2(np.array([field]), CRS(crs))
        metric = not CRS(crs).is_geographic and geodesy.is_metric(CRS(crs), field.bounds)
        assert area == pytest.approx(_geodesic_area(field, crs), rel=5e-3 if metric else 1e-3)


def test_web_mercator_is_not_metric_and_utm_is():
    x, y = _at("EPSG:3857", 139.7, 35.0)
    bounds = (x, y, x + 3000, y + 3000)
    assert not geodesy.is_metric(CRS(3857), bounds)
    assert geodesy.needs_metric_grid(CRS(3857), bounds)
    x, y = _at("EPSG:32654", 139.7, 35.0)
    assert geodesy.is_metric(CRS(32654), (x, y, x + 3000, y + 3000))
    assert not geodesy.needs_metric_grid(CRS(32654), (x, y, x + 3000, y + 3000))
    # nominal figures in a metric CRS, so UTM outputs stay as they were
    grid = Affine(0.3, 0, x, 0, -0.3, y)
    assert geodesy.pixel_size_m(CRS(32654), grid, (x, y - 30, x + 30, y)) == (0.3, 0.3)
    feet = geodesy.metres_per_unit(CRS(2263), *_at("EPSG:2263", -73.9, 40.7))
    assert feet == pytest.approx(1200 / 3937, rel=1e-12)


def test_a_metre_in_web_mercator_units_grows_with_latitude():
    for lat, factor in ((35.0, 1 / np.cos(np.radians(35))), (60.0, 2.0)):
        x, y = _at("EPSG:3857", 15.0, lat)
        assert 1 / geodesy.metres_per_unit(CRS(3857), x, y) == pytest.approx(factor, rel=5e-3)


@pytest.mark.parametrize(
    ("bounds", "match"),
    [
        ((179.5, 10.0, 180.5, 10.5), "antimeridian"),
        ((10.0, 84.5, 10.5, 85.0), "polar"),
        ((0.0, 0.0, 30.0, 1.0), "spans 30.0°"),
    ],
)
def test_no_local_grid_where_one_cannot_hold_the_raster(bounds, match):
    with pytest.raises(InvalidParameterError, match=match):
        geodesy.local_metric_crs(CRS(4326), bounds)


def test_local_grid_is_the_utm_zone_of_the_area():
    assert geodesy.local_metric_crs(CRS(4326), (139.6, 35.0, 139.8, 35.1)) == CRS(32654)
    x, y = _at("EPSG:3857", -58.4, -34.6)  # Buenos Aires
    assert geodesy.local_metric_crs(CRS(3857), (x, y, x + 5000, y + 5000)) == CRS(32721)


def test_a_crs_without_ground_scale_names_the_fix():
    engineering = CRS.from_wkt(
        'ENGCRS["local",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
        'AXIS["y",north,LENGTHUNIT["metre",1]]]'
    )
    with pytest.raises(
        InvalidParameterError, match=r"has no ground scale.*--crs.*Assign Projection"
    ):
        geodesy.pixel_size_m(engineering, Affine.identity(), (0, 0, 10, 10))


def _raster(path, crs: str, transform: Affine, size: int = 64):
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 3, "dtype": "uint8"}
    with rasterio.open(path, "w", crs=crs, transform=transform, **profile) as dst:
        dst.write(np.random.default_rng(0).integers(0, 255, (3, size, size), dtype="uint8"))
        return shapely.box(*dst.xy(20, 20), *dst.xy(40, 40))


@pytest.mark.parametrize(
    ("crs", "lon", "lat", "nominal", "expected_m"),
    [
        ("EPSG:3857", 139.7, 35.0, 0.3, 0.3 * np.cos(np.radians(35))),  # square on the ground
        ("EPSG:2263", -73.9, 40.7, 2.0, 2.0 * 1200 / 3937),  # US survey feet
    ],
)
def test_dataset_records_the_ground_pixel_size(tmp_path, crs, lon, lat, nominal, expected_m):
    x, y = _at(crs, lon, lat)
    square = _raster(tmp_path / "scene.tif", crs, Affine(nominal, 0, x, 0, -nominal, y))
    labels = tmp_path / "labels.gpkg"
    gpd.GeoDataFrame({"class": ["roof"]}, geometry=[square], crs=crs).to_file(labels)
    stats = export_dataset(
        [tmp_path / "scene.tif"],
        labels,
        tmp_path / "dataset",
        tile_size_px=64,
        overlap_px=0,
        val_fraction=0,
    )
    assert stats.pixel_size_m == pytest.approx(expected_m, rel=3e-3)
    assert stats.pixel_size_range_m is None  # one resolution


def test_dataset_of_two_resolutions_records_their_range(tmp_path):
    """A model trained on 0.5 m and 1 m rasters reads either at its own pixels."""
    x, y = _at("EPSG:32654", 139.7, 35.0)
    frames = []
    for name, pixel in [("fine", 0.5), ("coarse", 1.0)]:
        square = _raster(tmp_path / f"{name}.tif", "EPSG:32654", Affine(pixel, 0, x, 0, -pixel, y))
        frames.append(gpd.GeoDataFrame({"class": ["roof"]}, geometry=[square], crs="EPSG:32654"))
    labels = tmp_path / "labels.gpkg"
    pd.concat(frames).to_file(labels)
    stats = export_dataset(
        [tmp_path / "fine.tif", tmp_path / "coarse.tif"],
        labels,
        tmp_path / "dataset",
        tile_size_px=64,
        overlap_px=0,
        val_fraction=0,
    )
    assert stats.pixel_size_range_m == [0.5, 1.0]


def test_dataset_refuses_pixels_squashed_on_the_ground(tmp_path):
    """Square degrees at 35° N are 18 % narrower than high: a model would learn squashed
    shapes. The message names the metric CRS to warp to."""
    square = _raster(tmp_path / "scene.tif", "EPSG:4326", Affine(3e-6, 0, 139.7, 0, -3e-6, 35.0))
    labels = tmp_path / "labels.gpkg"
    gpd.GeoDataFrame({"class": ["roof"]}, geometry=[square], crs="EPSG:4326").to_file(labels)
    with pytest.raises(InvalidParameterError, match=r"squash.*gdalwarp -t_srs EPSG:32654"):
        export_dataset(
            [tmp_path / "scene.tif"], labels, tmp_path / "dataset", tile_size_px=64, overlap_px=0
        )
    assert not (tmp_path / "dataset").exists()


def test_map_evaluation_of_web_mercator_layers_counts_ground_areas(tmp_path):
    """Predictions and labels in Web Mercator at 60° N (where its m² are a quarter of a
    ground m²) give the labelled areas the same layers give in UTM."""
    from landseg.evaluation.maps import evaluate_map
    from landseg.io.synthetic import write_scene

    scene = write_scene(tmp_path, size_px=512, seed=4, crs="EPSG:32633", near=(15.0, 60.0))
    labels = gpd.read_file(scene.labels_path)
    in_utm = evaluate_map(labels.assign(score=1.0), labels)
    web = labels.to_crs(3857)
    in_web_mercator = evaluate_map(web.assign(score=1.0), web)
    for name, metrics in in_utm.classes.items():
        other = in_web_mercator.classes[name]
        assert other.label_area_m2 == pytest.approx(metrics.label_area_m2, rel=5e-3)
    assert in_web_mercator.evaluated_area_m2 == pytest.approx(in_utm.evaluated_area_m2, rel=0.02)
