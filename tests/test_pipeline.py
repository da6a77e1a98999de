"""The segmentation pipeline with stand-in models: inputs, outputs, errors, cancellation."""

import threading
import warnings

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from landseg.errors import (
    Cancelled,
    InvalidParameterError,
    LandSegWarning,
    ModelLoadError,
    OutputExistsError,
    OutputNotWritableError,
    RasterReadError,
)
from landseg.inference.pipeline import LAYER_NAME, segment
from tests.conftest import SPACENET_DIR
from tests.standins import EmptySegmenter, GroundTruthSegmenter


def gt_model(scene):
    return GroundTruthSegmenter(scene.labels_path, scene.raster_path)


def test_output_layer_schema_metadata_and_style(small_scene, tmp_path):
    out = tmp_path / "landcover.gpkg"
    result = segment(
        small_scene.raster_path, out, model=gt_model(small_scene), tile_size_px=256, overlap_px=32
    )
    frame = gpd.read_file(out, layer=LAYER_NAME)
    assert list(frame.columns) == ["class", "class_id", "score", "area_m2", "geometry"]
    assert frame.crs.to_epsg() == 32654
    assert (frame.geom_type == "MultiPolygon").all() and frame.is_valid.all()
    assert np.allclose(frame["area_m2"], frame.area, rtol=1e-3, atol=0.05)
    info = __import__("pyogrio").read_info(out, layer=LAYER_NAME)
    assert info["layer_metadata"]["model_name"] == "GroundTruthSegmenter"
    assert "run_time_utc" in info["layer_metadata"]
    assert result.tiles_run == result.tiles_total == 9
    assert not list(tmp_path.glob(".*partial*"))


def test_16_bit_scene_with_nodata_border(scene_16bit, tmp_path):
    out = tmp_path / "out.gpkg"
    model = gt_model(scene_16bit)
    segment(scene_16bit.raster_path, out, model=model, tile_size_px=256, overlap_px=32)
    truth = gpd.read_file(scene_16bit.labels_path)
    assert len(gpd.read_file(out, layer=LAYER_NAME)) == len(truth)


def test_spacenet_real_tile_every_building_back(tmp_path):
    labels = gpd.read_file(SPACENET_DIR / "buildings.geojson")
    labels["class"] = "roof"
    labels_path = tmp_path / "roofs.gpkg"
    labels[["class", "geometry"]].to_file(labels_path)
    raster = SPACENET_DIR / "ortho_pan_16bit.tif"
    out = tmp_path / "atlanta.gpkg"
    result = segment(
        raster,
        out,
        model=GroundTruthSegmenter(labels_path, raster),
        tile_size_px=256,
        overlap_px=32,
        min_area_m2=0.5,
    )
    predicted = gpd.read_file(out, layer=LAYER_NAME)
    with rasterio.open(raster) as src:
        inside = labels.to_crs(src.crs).clip(shapely.box(*src.bounds))
    inside = inside[inside.area > 0.5]
    assert result.counts["roof"] == len(predicted) == len(inside)
    assert predicted.crs.to_epsg() == 32616


def test_all_nodata_raster_gives_empty_layer_and_warning(tmp_path, small_scene):
    with rasterio.open(small_scene.raster_path) as src:
        profile = src.profile
    empty = tmp_path / "empty.tif"
    with rasterio.open(empty, "w", **profile) as dst:
        dst.write(np.zeros((3, 512, 512), dtype="uint8"))
    model = EmptySegmenter()
    with pytest.warns(LandSegWarning, match="holds no data"):
        result = segment(empty, tmp_path / "out.gpkg", model=model, tile_size_px=256, overlap_px=32)
    assert model.tiles_seen == 0 and result.tiles_run == 0
    assert len(gpd.read_file(tmp_path / "out.gpkg", layer=LAYER_NAME)) == 0


def test_existing_output_is_kept_unless_overwrite(small_scene, tmp_path):
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"precious")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        segment(small_scene.raster_path, out, model=EmptySegmenter())
    assert out.read_bytes() == b"precious"
    segment(small_scene.raster_path, out, model=EmptySegmenter(), overwrite=True)
    assert out.read_bytes() != b"precious"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"overlap_px": 256}, InvalidParameterError, "less than half"),
        ({"tile_size_px": 100}, InvalidParameterError, "multiple of 32"),
        ({"bands": [4]}, InvalidParameterError, "do not exist"),
        ({"classes": ["building"]}, ModelLoadError, "does not know the classes \\['building'\\]"),
    ],
)
def test_bad_options(small_scene, tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        segment(small_scene.raster_path, tmp_path / "out.gpkg", model=EmptySegmenter(), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_bad_paths(small_scene, tmp_path):
    with pytest.raises(RasterReadError, match="does not exist"):
        segment(tmp_path / "missing.tif", tmp_path / "out.gpkg", model=EmptySegmenter())
    with pytest.raises(OutputNotWritableError, match="does not exist"):
        segment(small_scene.raster_path, tmp_path / "no" / "out.gpkg", model=EmptySegmenter())
    with pytest.raises(InvalidParameterError, match=r"\.gpkg"):
        segment(small_scene.raster_path, tmp_path / "out.shp", model=EmptySegmenter())


class CancelAfter:
    """A cancel token that fires after the model has seen ``n`` batches."""

    def __init__(self, model, n):
        self.model, self.n = model, n

    def is_set(self):
        return self.model.calls >= self.n


def test_cancel_leaves_no_file(small_scene, tmp_path):
    model = gt_model(small_scene)
    with pytest.raises(Cancelled):
        segment(
            small_scene.raster_path,
            tmp_path / "out.gpkg",
            model=model,
            tile_size_px=128,
            overlap_px=0,
            batch_size=2,
            cancel=CancelAfter(model, 2),
        )
    assert list(tmp_path.iterdir()) == []
    assert model.calls < 8


def test_progress_reaches_one_and_accepts_threading_event(small_scene, tmp_path):
    seen = []
    segment(
        small_scene.raster_path,
        tmp_path / "out.gpkg",
        model=EmptySegmenter(),
        tile_size_px=256,
        overlap_px=32,
        progress=lambda f, m: seen.append(f),
        cancel=threading.Event(),
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_geographic_raster(tmp_path):
    from landseg.io.synthetic import write_scene

    scene = write_scene(tmp_path / "geo", size_px=512, seed=8, crs="EPSG:4326", pixel_size_m=0.5)
    out = tmp_path / "out.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # geopandas: area in a geographic CRS
        segment(scene.raster_path, out, model=gt_model(scene), tile_size_px=256, overlap_px=32)
    truth = gpd.read_file(scene.labels_path).to_crs("EPSG:6933")  # equal-area
    predicted = gpd.read_file(out, layer=LAYER_NAME)
    assert len(predicted) == len(truth)
    utm_area = predicted.to_crs(truth.crs).area.to_numpy()
    assert np.allclose(predicted["area_m2"], utm_area, rtol=0.02)
