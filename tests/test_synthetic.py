import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from pyproj import Geod
from rasterio.features import geometry_mask
from rasterio.windows import from_bounds

from landseg.cli import cli, main
from landseg.errors import InvalidParameterError, OutputExistsError
from landseg.io.synthetic import CLASS_MIX, CLASS_NAMES, PALETTE, write_scene


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory):
    return write_scene(tmp_path_factory.mktemp("big"), size_px=2048, seed=0)


def nearest_class(rgb: np.ndarray) -> str:
    """Class whose palette holds the colour nearest to ``rgb``."""
    return min(
        (
            (name, np.linalg.norm(rgb - np.array(colour)))
            for name, cs in PALETTE.items()
            for colour in cs
        ),
        key=lambda pair: pair[1],
    )[0]


def test_georeferencing_by_value(small_scene):
    with rasterio.open(small_scene.raster_path) as src:
        assert src.crs.to_epsg() == 32654
        assert tuple(src.transform)[:6] == (0.5, 0.0, 500000.0, 0.0, -0.5, 4650000.0)
        assert (src.width, src.height, src.count, src.dtypes[0]) == (512, 512, 3, "uint8")
        assert src.profile["tiled"] and src.block_shapes[0] == (256, 256)
        assert src.compression.name == "deflate"
        assert src.nodata == 0
    labels = gpd.read_file(small_scene.labels_path)
    assert labels.crs.to_epsg() == 32654
    assert set(labels["class"]) <= set(CLASS_NAMES)
    assert labels.geometry.is_valid.all()


def test_every_polygon_lies_on_its_class_texture(big_scene):
    labels = gpd.read_file(big_scene.labels_path)
    with rasterio.open(big_scene.raster_path) as src:
        for cls, geom in zip(labels["class"], labels.geometry, strict=True):
            interior = geom.buffer(-1.0)  # one metre in: no edge pixels
            window = from_bounds(*interior.bounds, src.transform).round_offsets().round_lengths()
            pixels = src.read(window=window).transpose(1, 2, 0)
            inside = ~geometry_mask([interior], pixels.shape[:2], src.window_transform(window))
            assert inside.sum() > 0
            median = np.median(pixels[inside], axis=0)
            assert nearest_class(median) == cls, (cls, median)


def test_class_mix_and_sizes(big_scene):
    labels = gpd.read_file(big_scene.labels_path)
    shares = labels["class"].value_counts(normalize=True)
    for name, share in CLASS_MIX.items():
        assert shares[name] == pytest.approx(share, abs=0.03)
    extent_px = (
        np.maximum(
            *(
                labels.geometry.bounds[["maxx", "maxy"]].to_numpy()
                - labels.geometry.bounds[["minx", "miny"]].to_numpy()
            ).T
        )
        / 0.5
    )
    sizes = dict(zip(labels["class"], extent_px, strict=True))
    assert max(extent_px) > 256, "some objects must be larger than a 256 px tile"
    roofs = extent_px[labels["class"] == "roof"]
    assert roofs.max() < 64 and len(roofs) == max(labels["class"].value_counts()), sizes
    assert not shapely.union_all(labels.geometry).is_empty
    # no two objects touch
    assert labels.geometry.area.sum() == pytest.approx(shapely.union_all(labels.geometry).area)


def test_some_fields_have_holes(big_scene):
    labels = gpd.read_file(big_scene.labels_path)
    assert any(len(g.interiors) for g in labels.geometry[labels["class"] == "farm"])


def test_same_seed_same_scene_other_seed_other_scene(tmp_path):
    a = write_scene(tmp_path / "a", size_px=256, seed=11)
    b = write_scene(tmp_path / "b", size_px=256, seed=11)
    c = write_scene(tmp_path / "c", size_px=256, seed=12)
    with rasterio.open(a.raster_path) as ra, rasterio.open(b.raster_path) as rb:
        assert np.array_equal(ra.read(), rb.read())
    with rasterio.open(c.raster_path) as rc, rasterio.open(a.raster_path) as ra:
        assert not np.array_equal(ra.read(), rc.read())
    la, lb = gpd.read_file(a.labels_path), gpd.read_file(b.labels_path)
    assert la.geometry.geom_equals_exact(lb.geometry, 0).all()


def test_16_bit_with_nodata_border(scene_16bit):
    with rasterio.open(scene_16bit.raster_path) as src:
        data = src.read()
        assert src.dtypes[0] == "uint16"
    assert data[:, :24, :].max() == 0 and data[:, :, -24:].max() == 0
    inner = data[:, 24:-24, 24:-24]
    assert inner.min() > 0 and 255 < inner.max() <= 4095
    labels = gpd.read_file(scene_16bit.labels_path)
    with rasterio.open(scene_16bit.raster_path) as src:
        left, bottom, right, top = src.bounds
    inner_box = shapely.box(left + 12, bottom + 12, right - 12, top - 12)  # 24 px * 0.5 m
    assert labels.geometry.within(inner_box).all()


def test_geographic_crs(tmp_path):
    scene = write_scene(tmp_path, size_px=128, seed=1, crs="EPSG:4326")
    with rasterio.open(scene.raster_path) as src:
        assert src.crs.to_epsg() == 4326
        left, top = src.transform * (0, 0)
        right, bottom = src.transform * (1, 1)
    geod = Geod(ellps="WGS84")  # pixels 0.5 m wide and high on the ground
    assert geod.inv(left, top, right, top)[2] == pytest.approx(0.5, rel=1e-3)
    assert geod.inv(left, top, left, bottom)[2] == pytest.approx(0.5, rel=1e-3)


def test_refuses_to_overwrite(tmp_path):
    write_scene(tmp_path, size_px=128)
    with pytest.raises(OutputExistsError, match=r"already exists.*overwrit"):
        write_scene(tmp_path, size_px=128)
    write_scene(tmp_path, size_px=128, seed=2, overwrite=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "-5"], "too small"),
        (["--crs", "EPSG:999999"], "Unknown CRS 'EPSG:999999'"),
        (["--pixel-size", "0"], "not positive"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", str(out), *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", str(blocker / "scene"), "--size", "128"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Cannot create output folder" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_failed_write_leaves_no_partial_files(tmp_path, monkeypatch):
    import landseg.io.synthetic as synthetic

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic, "_write_raster", explode)
    with pytest.raises(RuntimeError):
        write_scene(tmp_path / "out", size_px=128)
    assert not (tmp_path / "out").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(RuntimeError):
        write_scene(existing, size_px=128)
    assert list(existing.iterdir()) == []


def test_cli_synth_writes_scene(tmp_path):
    result = CliRunner().invoke(cli, ["synth", str(tmp_path), "--size", "256", "--bits", "16"])
    assert result.exit_code == 0, result.output
    assert "roof" in result.output
    assert (tmp_path / "scene.tif").is_file() and (tmp_path / "labels.gpkg").is_file()


def test_invalid_parameter_is_a_value_error():
    with pytest.raises(ValueError, match="Bit depth 12"):
        write_scene("/tmp/never", size_px=128, bits=12)
    assert issubclass(InvalidParameterError, ValueError)
