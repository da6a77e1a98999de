import numpy as np
import pytest
import rasterio
from affine import Affine

from landseg.errors import InvalidParameterError, RasterReadError
from landseg.io.rasters import compute_scaling, open_raster, select_bands
from tests.conftest import SPACENET_DIR

SPACENET = SPACENET_DIR / "ortho_pan_16bit.tif"


def test_missing_and_unreadable_rasters(tmp_path):
    with pytest.raises(RasterReadError, match="does not exist"):
        open_raster(tmp_path / "nope.tif").__enter__()
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(RasterReadError, match="not a raster GDAL can read"):
        open_raster(text).__enter__()


def test_raster_without_georeferencing(tmp_path):
    path = tmp_path / "plain.tif"
    with (
        pytest.warns(rasterio.errors.NotGeoreferencedWarning),
        rasterio.open(
            path, "w", driver="GTiff", width=64, height=64, count=3, dtype="uint8"
        ) as dst,
    ):
        dst.write(np.ones((3, 64, 64), dtype="uint8"))
    with pytest.raises(RasterReadError, match="no georeferencing"):
        open_raster(path).__enter__()


def test_spacenet_single_band_16_bit_stripped():
    with open_raster(SPACENET) as src:
        assert src.count == 1 and src.dtypes[0] == "uint16"
        assert src.block_shapes[0][1] == src.width  # strips, not tiles
        bands = select_bands(src, None)
        assert bands == [1, 1, 1]
        scaling = compute_scaling(src, bands)
        low, high = scaling.low[0], scaling.high[0]
        assert 54 <= low < high <= 6615
        data = src.read([1, 1, 1], window=((0, 64), (0, 64)))
        out = scaling.apply(data)
        assert out.dtype == np.uint8 and out.max() > 100


def test_scaling_uses_whole_raster_statistics_not_tiles(scene_16bit):
    with open_raster(scene_16bit.raster_path) as src:
        scaling = compute_scaling(src, [1, 2, 3])
        a = scaling.apply(src.read(window=((100, 200), (100, 200))))
        b = scaling.apply(src.read(window=((400, 500), (400, 500))))
    # the same raw value maps to the same 8-bit value everywhere
    assert (scaling.high > scaling.low).all()
    assert a.dtype == b.dtype == np.uint8


def test_eight_bit_passes_through(small_scene):
    with open_raster(small_scene.raster_path) as src:
        scaling = compute_scaling(src, [1, 2, 3])
        data = src.read(window=((0, 32), (0, 32)))
        assert scaling.apply(data) is data


@pytest.mark.parametrize(("bands", "message"), [([5], "do not exist"), ([1, 2], "needs 3")])
def test_bad_band_choice(small_scene, bands, message):
    with (
        open_raster(small_scene.raster_path) as src,
        pytest.raises(InvalidParameterError, match=message),
    ):
        select_bands(src, bands)


def test_two_band_raster_needs_a_band_choice(tmp_path):
    path = tmp_path / "two.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=32,
        height=32,
        count=2,
        dtype="uint8",
        crs="EPSG:32654",
        transform=Affine(1, 0, 500000, 0, -1, 4000000),
    ) as dst:
        dst.write(np.ones((2, 32, 32), dtype="uint8"))
    with open_raster(path) as src, pytest.raises(RasterReadError, match="--bands"):
        select_bands(src, None)
