import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from rasterio.windows import Window

from landseg.errors import InvalidParameterError
from landseg.inference.tiling import read_ahead, read_tile, tile_grid
from landseg.io.rasters import RasterSource, Scaling, _in_dtype, valid_mask


@pytest.mark.parametrize(
    ("width", "height", "tile", "overlap"),
    [(1000, 700, 256, 64), (256, 256, 256, 0), (100, 900, 512, 128)],
)
def test_cores_partition_the_raster_exactly(width, height, tile, overlap):
    specs = tile_grid(width, height, tile, overlap)
    owner = np.zeros((height, width), dtype=int)
    for spec in specs:
        c0, r0, c1, r1 = spec.core
        owner[r0:r1, c0:c1] += 1
        w = spec.window
        assert (w.width, w.height) == (tile, tile)  # edge tiles are padded, never shrunk
        assert w.col_off <= c0 and c1 <= w.col_off + w.width
        assert w.row_off <= r0 and r1 <= w.row_off + w.height
    assert (owner == 1).all()


def test_grid_steps_by_tile_minus_overlap():
    specs = tile_grid(1000, 256, 256, 64)
    assert [int(s.window.col_off) for s in specs] == [0, 192, 384, 576, 768]


@pytest.mark.parametrize(
    ("tile", "overlap", "message"),
    [
        (250, 10, "multiple of 32"),
        (256, 128, "less than half the tile size"),
        (256, -1, "at least 0"),
    ],
)
def test_bad_tiling_is_refused(tile, overlap, message):
    with pytest.raises(InvalidParameterError, match=message):
        tile_grid(1000, 1000, tile, overlap)


def test_edge_tiles_are_padded_and_nodata_zeroed(scene_16bit):
    with rasterio.open(scene_16bit.raster_path) as src:
        specs = tile_grid(src.width, src.height, 512, 64)
        scaling = Scaling(np.full(3, 8.0, np.float32), np.full(3, 4088.0, np.float32))
        edge = read_tile(src, specs[-1], [1, 2, 3], scaling)
    assert edge.tile.image.shape == (512, 512, 3)
    inside = 768 - 448
    assert not edge.valid[:, inside:].any() and not edge.tile.image[:, inside:].any()
    assert not edge.valid[:, inside - 24 : inside].any()  # the nodata border
    assert edge.valid[:100, :100].all()


def test_read_ahead_skips_empty_tiles_and_counts_them(tmp_path, scene_16bit):
    with rasterio.open(scene_16bit.raster_path) as src:
        profile = src.profile
    empty = tmp_path / "empty.tif"
    with rasterio.open(empty, "w", **profile) as dst:
        dst.write(np.zeros((3, 768, 768), dtype="uint16"))
    specs = tile_grid(768, 768, 256, 32)
    scaling = Scaling(np.zeros(3, np.float32), np.full(3, 255, np.float32))
    batches = list(
        read_ahead(
            RasterSource(str(empty)),
            specs,
            [1, 2, 3],
            scaling,
            batch_size=4,
            should_stop=lambda: False,
        )
    )
    assert sum(len(b.tiles) for b in batches) == 0
    assert sum(b.consumed for b in batches) == len(specs)


def test_read_ahead_ends_in_half_batches(scene_16bit):
    # 36 tiles, the last 8 in batches of 2: several model sessions finish together
    specs = tile_grid(768, 768, 128, 0)
    scaling = Scaling(np.zeros(3, np.float32), np.full(3, 4095, np.float32))
    batches = read_ahead(
        RasterSource(str(scene_16bit.raster_path)),
        specs,
        [1, 2, 3],
        scaling,
        batch_size=4,
        should_stop=lambda: False,
        final_tiles=8,
    )
    sizes = [len(batch.tiles) for batch in batches]
    assert sizes == [4] * 7 + [2] * 4
    assert sum(sizes) == len(specs)


def test_read_ahead_stops_when_asked(scene_16bit):
    specs = tile_grid(768, 768, 128, 0)
    scaling = Scaling(np.zeros(3, np.float32), np.full(3, 4095, np.float32))
    seen = []
    for batch in read_ahead(
        RasterSource(str(scene_16bit.raster_path)),
        specs,
        [1, 2, 3],
        scaling,
        batch_size=2,
        should_stop=lambda: len(seen) >= 2,
    ):
        seen.append(batch.tiles)
    assert 2 <= len(seen) < len(specs) // 2


def test_grid_within_a_window_is_the_full_grid_cut_down():
    from rasterio.windows import Window

    full = tile_grid(100_000, 80_000, 256, 32)
    part = tile_grid(100_000, 80_000, 256, 32, within=Window(5000, 7000, 600, 300))
    wanted = [
        (s.window, s.core)
        for s in full
        if s.window.col_off < 5600
        and s.window.col_off + 256 > 5000
        and s.window.row_off < 7300
        and s.window.row_off + 256 > 7000
    ]
    assert [(s.window, s.core) for s in part] == wanted
    assert [s.index for s in part] == list(range(len(part)))


@pytest.mark.parametrize(
    ("dtype", "nodata", "pixels", "valid"),
    [
        ("float32", -9999.99, [np.float32(-9999.99), 1.0], [False, True]),  # compared as float32
        ("uint16", 0, [0, 7], [False, True]),
        ("uint16", 0.5, [0, 1], [True, True]),  # no 16-bit pixel can equal it
    ],
)
def test_nodata_is_compared_in_the_rasters_type(dtype, nodata, pixels, valid):
    data = np.array([[pixels]], dtype=dtype)
    profile = dict(driver="GTiff", width=2, height=1, count=1, dtype=dtype, nodata=nodata)
    profile["transform"] = from_origin(0, 2, 1, 1)
    with MemoryFile() as memory, memory.open(**profile) as src:
        src.write(data)
        assert valid_mask(src, data, Window(0, 0, 2, 1)).tolist() == [valid]


def test_nodata_beyond_a_float_types_range_matches_no_pixel():
    # rasterio refuses to write such a value, other tools do not (GDAL: every pixel is data)
    assert _in_dtype(-1e39, np.dtype("float32")) is None
    assert _in_dtype(-np.inf, np.dtype("float32")) == -np.inf
