"""Real-world inputs: areas of interest, resampling, mosaics of sheets, COG and XYZ over HTTP."""

import geopandas as gpd
import pytest
import rasterio
import shapely
from PIL import Image
from rasterio.shutil import copy as copy_raster
from rasterio.windows import Window

from landseg.errors import InvalidParameterError, RasterReadError, VectorReadError
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.model_files import ModelInfo
from landseg.io.synthetic import write_scene
from tests.http_server import serve, silent_server
from tests.standins import GroundTruthSegmenter


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return write_scene(tmp_path_factory.mktemp("sources"), size_px=1024, seed=31)


def gt(scene, **kwargs):
    return GroundTruthSegmenter(scene.labels_path, scene.raster_path, **kwargs)


class TileCounter(GroundTruthSegmenter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiles = []

    def predict(self, tiles):
        self.tiles.extend(tiles)
        return super().predict(tiles)


def polygons(path):
    return gpd.read_file(path, layer=LAYER_NAME)


def test_aoi_in_another_crs_reads_only_its_tiles_and_clips(scene, tmp_path):
    with rasterio.open(scene.raster_path) as src:
        left, bottom, _, _ = src.bounds
    area = shapely.box(left + 100, bottom + 150, left + 300, bottom + 330)  # 200 m x 180 m
    aoi = gpd.GeoDataFrame(geometry=[area], crs=scene.crs).to_crs("EPSG:4326")
    aoi_path = tmp_path / "aoi.geojson"
    aoi.to_file(aoi_path)
    model = TileCounter(scene.labels_path, scene.raster_path)
    segment(
        scene.raster_path,
        tmp_path / "out.gpkg",
        model=model,
        aoi=aoi_path,
        tile_size_px=256,
        overlap_px=32,
    )
    out = polygons(tmp_path / "out.gpkg")
    assert 0 < len(model.tiles) <= 9  # of 25 tiles in the raster
    assert out.geometry.within(area.buffer(0.5)).all()
    truth = gpd.read_file(scene.labels_path).clip(area)
    truth = truth[truth.area > 1.0]
    assert len(out) == len(truth)


def test_bbox_and_bad_areas(scene, tmp_path):
    with rasterio.open(scene.raster_path) as src:
        left, _, _, top = src.bounds
    model = TileCounter(scene.labels_path, scene.raster_path)
    segment(
        scene.raster_path,
        tmp_path / "a.gpkg",
        model=model,
        bbox=(left, top - 100, left + 100, top),
        tile_size_px=256,
        overlap_px=32,
    )
    assert len(model.tiles) == 1
    with pytest.raises(InvalidParameterError, match="does not overlap the raster"):
        segment(scene.raster_path, tmp_path / "b.gpkg", model=model, bbox=(0, 0, 10, 10))
    empty = gpd.GeoDataFrame(geometry=[], crs=scene.crs)
    empty_path = tmp_path / "empty.gpkg"
    empty.to_file(empty_path)
    with pytest.raises(VectorReadError, match="no polygon"):
        segment(scene.raster_path, tmp_path / "c.gpkg", model=model, aoi=empty_path)
    assert not any(p.name.endswith(("b.gpkg", "c.gpkg")) for p in tmp_path.iterdir())


class ThirtyCentimetreModel(GroundTruthSegmenter):
    """Recognises objects only at 30 cm pixels, as a model trained at that scale would."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.info = ModelInfo(self.class_names, tile_size_px=256, overlap_px=32, pixel_size_m=0.3)
        self.pixel_sizes = set()

    def predict(self, tiles):
        self.pixel_sizes |= {round(t.transform.a, 4) for t in tiles}
        found = super().predict(tiles)
        return [
            f if abs(t.transform.a - 0.3) < 1e-3 else [] for t, f in zip(tiles, found, strict=True)
        ]


def test_fine_raster_is_resampled_to_the_models_pixel_size(tmp_path):
    fine = write_scene(tmp_path / "fine", size_px=1536, seed=32, pixel_size_m=0.1)
    model = ThirtyCentimetreModel(fine.labels_path, fine.raster_path)
    segment(fine.raster_path, tmp_path / "out.gpkg", model=model, min_area_m2=0.5)
    assert model.pixel_sizes == {0.3}
    truth = gpd.read_file(fine.labels_path)
    out = polygons(tmp_path / "out.gpkg")
    assert len(out) == len(truth)
    for geometry in truth.geometry:  # full-precision map coordinates, not the coarse grid's
        best = max(out.geometry, key=lambda g: g.intersection(geometry).area)
        assert best.intersection(geometry).area / best.union(geometry).area > 0.85
    info = __import__("pyogrio").read_info(tmp_path / "out.gpkg", layer=LAYER_NAME)
    assert info["layer_metadata"]["pixel_size_m"] == "0.3"
    assert info["layer_metadata"]["resampled_from_m"] == "0.1"
    native = ThirtyCentimetreModel(fine.labels_path, fine.raster_path)
    segment(fine.raster_path, tmp_path / "native.gpkg", model=native, pixel_size_m=0.1)
    assert native.pixel_sizes == {0.1} and len(polygons(tmp_path / "native.gpkg")) == 0


class RangeModel(GroundTruthSegmenter):
    """A model that learnt on rasters of 0.5 m to 1 m pixels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.info = ModelInfo(
            self.class_names, 256, 32, pixel_size_m=0.75, pixel_size_range_m=[0.5, 1.0]
        )
        self.pixel_sizes = set()

    def predict(self, tiles):
        self.pixel_sizes |= {round(t.transform.a, 4) for t in tiles}
        return super().predict(tiles)


@pytest.mark.parametrize(("native", "read_at"), [(0.8, 0.8), (0.25, 0.5), (2.0, 1.0)])
def test_a_raster_inside_the_models_pixel_range_is_read_at_its_own_pixels(
    tmp_path, native, read_at
):
    scene = write_scene(tmp_path, size_px=512, seed=33, pixel_size_m=native)
    model = RangeModel(scene.labels_path, scene.raster_path)
    segment(scene.raster_path, tmp_path / "out.gpkg", model=model, min_area_m2=0.5)
    assert model.pixel_sizes == {read_at}


def _sheets(scene, folder, n=2):
    """Cut ``scene`` into n x n GeoTIFF sheets; return their paths."""
    folder.mkdir()
    paths = []
    with rasterio.open(scene.raster_path) as src:
        step = src.width // n
        for i in range(n):
            for j in range(n):
                window = Window(j * step, i * step, step, step)
                profile = src.profile | {
                    "width": step,
                    "height": step,
                    "transform": src.window_transform(window),
                }
                path = folder / f"sheet_{i}{j}.tif"
                with rasterio.open(path, "w", **profile) as dst:
                    dst.write(src.read(window=window))
                paths.append(path)
    return paths


def test_sheets_mosaic_gives_the_polygons_of_the_whole_raster(scene, tmp_path):
    sheets = _sheets(scene, tmp_path / "sheets")
    segment(sheets, tmp_path / "mosaic.gpkg", model=gt(scene), tile_size_px=256, overlap_px=32)
    segment(
        scene.raster_path, tmp_path / "whole.gpkg", model=gt(scene), tile_size_px=256, overlap_px=32
    )
    mosaic, whole = polygons(tmp_path / "mosaic.gpkg"), polygons(tmp_path / "whole.gpkg")
    assert len(mosaic) == len(whole) == sum(scene.class_counts.values())
    key = ["class", "area_m2"]
    assert mosaic.sort_values(key)[key].to_numpy().tolist() == (
        whole.sort_values(key)[key].to_numpy().tolist()
    )


def test_sheets_that_do_not_fit_together(scene, tmp_path):
    sheets = _sheets(scene, tmp_path / "sheets")
    with rasterio.open(sheets[1]) as src:
        profile, data = src.profile, src.read()
    with rasterio.open(sheets[1], "w", **(profile | {"count": 1})) as dst:
        dst.write(data[:1])
    with pytest.raises(RasterReadError, match=r"differ in band count.*sheet_01"):
        segment(sheets, tmp_path / "out.gpkg", model=gt(scene))
    with rasterio.open(sheets[2], "w", **(profile | {"crs": "EPSG:32653"})) as dst:
        dst.write(data)
    with pytest.raises(RasterReadError, match="differ in CRS"):
        segment(sheets, tmp_path / "out.gpkg", model=gt(scene))
    assert not (tmp_path / "out.gpkg").exists()


def test_cog_over_http(scene, tmp_path):
    cog = tmp_path / "served" / "scene_cog.tif"
    cog.parent.mkdir()
    with rasterio.open(scene.raster_path) as src:
        copy_raster(src, cog, driver="COG", compress="deflate")
    with serve(cog.parent) as server:
        url = f"http://127.0.0.1:{server.server_port}/scene_cog.tif"
        segment(url, tmp_path / "out.gpkg", model=gt(scene), tile_size_px=256, overlap_px=32)
        assert server.bytes_sent > 0
    assert len(polygons(tmp_path / "out.gpkg")) == sum(scene.class_counts.values())


def test_xyz_tiles_over_http(tmp_path):
    zoom = 18
    resolution = 2 * 20037508.342789244 / (256 * 2**zoom)
    scene = write_scene(
        tmp_path / "webmercator", size_px=512, seed=33, crs="EPSG:3857", pixel_size_m=resolution
    )
    with rasterio.open(scene.raster_path) as src:
        assert src.transform.c == 0 and src.transform.f == 0  # on the tile grid's corner
        image = src.read().transpose(1, 2, 0)
        bounds = src.bounds
    root = tmp_path / "tiles"
    for ty in range(2):
        for tx in range(2):
            x, y = 2 ** (zoom - 1) + tx, 2 ** (zoom - 1) + ty
            (root / str(zoom) / str(x)).mkdir(parents=True, exist_ok=True)
            Image.fromarray(image[ty * 256 : (ty + 1) * 256, tx * 256 : (tx + 1) * 256]).save(
                root / str(zoom) / str(x) / f"{y}.png"
            )
    with serve(root) as server:
        xml = (
            '<GDAL_WMS><Service name="TMS"><ServerUrl>'
            f"http://127.0.0.1:{server.server_port}/${{z}}/${{x}}/${{y}}.png</ServerUrl>"
            "</Service><DataWindow><UpperLeftX>-20037508.342789244</UpperLeftX>"
            "<UpperLeftY>20037508.342789244</UpperLeftY><LowerRightX>20037508.342789244"
            "</LowerRightX><LowerRightY>-20037508.342789244</LowerRightY>"
            f"<TileLevel>{zoom}</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY>"
            "<YOrigin>top</YOrigin></DataWindow><Projection>EPSG:3857</Projection>"
            "<BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY><BandsCount>3</BandsCount>"
            "<ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes></GDAL_WMS>"
        )
        segment(
            xml,
            tmp_path / "out.gpkg",
            model=gt(scene),
            bbox=tuple(bounds),
            tile_size_px=256,
            overlap_px=32,
        )
    assert len(polygons(tmp_path / "out.gpkg")) == sum(scene.class_counts.values())


def test_url_that_does_not_answer_fails_in_time(tmp_path, monkeypatch, scene):
    import time

    import landseg.io.rasters

    monkeypatch.setattr(landseg.io.rasters, "HTTP_TIMEOUT_S", 2)
    with silent_server() as port:
        started = time.perf_counter()
        with pytest.raises(RasterReadError, match="could not be opened"):
            segment(f"http://127.0.0.1:{port}/scene.tif", tmp_path / "out.gpkg", model=gt(scene))
        assert time.perf_counter() - started < 15
    assert list(tmp_path.iterdir()) == []
