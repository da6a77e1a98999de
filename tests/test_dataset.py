"""Dataset export checked by value: alignment, spatial split, statistics and weights."""

import json
from pathlib import Path

import cv2
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from landseg.errors import (
    InvalidParameterError,
    LandSegWarning,
    OutputExistsError,
    VectorReadError,
)
from landseg.io.synthetic import CLASS_NAMES, write_scene
from landseg.training.dataset import balanced_class_weights, export_dataset
from tests.conftest import SPACENET_DIR


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    scene = write_scene(tmp_path_factory.mktemp("ds_scene"), size_px=1024, seed=21)
    out = tmp_path_factory.mktemp("ds") / "data"
    stats = export_dataset(
        [scene.raster_path],
        scene.labels_path,
        out,
        class_names=CLASS_NAMES,
        tile_size_px=256,
        overlap_px=32,
        block_size_px=448,
        empty_ratio=1.0,
        seed=4,
    )
    return scene, out, stats


def _label_polygons(label_file, size, transform):
    """Label rings back in map coordinates, per class id (bridged holes made valid)."""
    found = {}
    for line in label_file.read_text().splitlines():
        values = line.split()
        ring = np.array(values[1:], dtype=float).reshape(-1, 2) * size
        x, y = transform @ (ring[:, 0], ring[:, 1])
        polygon = shapely.make_valid(shapely.Polygon(np.c_[x, y]))
        found.setdefault(int(values[0]), []).append(polygon)
    return {k: shapely.union_all(v) for k, v in found.items()}


def test_labels_line_up_with_the_scene(export):
    scene, out, _ = export
    truth = gpd.read_file(scene.labels_path)
    kept = dropped = 0.0
    val = [
        tuple(int(p[1:]) for p in f.stem.split("_")[-2:])
        for f in (out / "labels" / "val").glob("*.txt")
    ]
    with rasterio.open(scene.raster_path) as src:
        for label_file in sorted((out / "labels").rglob("*.txt")):
            row, col = (int(p[1:]) for p in label_file.stem.split("_")[-2:])
            window = ((row, row + 256), (col, col + 256))
            side = label_file.parent.name
            image = cv2.imread(str(out / "images" / side / f"{label_file.stem}.png"))[..., ::-1]
            expected = src.read(window=window, boundless=True, fill_value=0).transpose(1, 2, 0)
            tile = shapely.box(*src.window_bounds(window))
            if side == "train":  # the strips it shares with val tiles are blank
                for r, c in val:
                    rows = slice(max(r - row, 0), max(min(r + 256 - row, 256), 0))
                    cols = slice(max(c - col, 0), max(min(c + 256 - col, 256), 0))
                    expected[rows, cols] = 0
                    tile = tile.difference(
                        shapely.box(*src.window_bounds(((r, r + 256), (c, c + 256))))
                    )
            assert np.array_equal(image, expected)
            labels = _label_polygons(label_file, 256, src.window_transform(window))
            for class_id, name in enumerate(CLASS_NAMES):
                want = shapely.union_all(truth[truth["class"] == name].geometry).intersection(tile)
                got = labels.get(class_id, shapely.Polygon())
                # every labelled square metre lies on its class in the scene
                assert got.difference(want).area < 1e-3 * max(got.area, 1.0), label_file.name
                kept += got.area
                dropped += want.difference(got).area
    # only slivers cut off at tile edges are left out
    assert kept > 0 and dropped / (kept + dropped) < 0.02


def test_holes_survive_as_bridged_rings():
    from landseg.training.dataset import _ring_with_holes

    polygon = shapely.box(0, 0, 100, 100).difference(shapely.box(40, 40, 60, 60))
    ring = (_ring_with_holes(polygon)).round().astype(np.int32)
    mask = np.zeros((100, 100), np.uint8)
    cv2.fillPoly(mask, [ring], 1)
    assert mask[50, 50] == 0 and mask[10, 10] == 1
    assert abs(int(mask.sum()) - 9600) < 300


def test_split_is_spatially_disjoint(export):
    _, out, stats = export

    def windows(side):
        return [
            tuple(int(p[1:]) for p in f.stem.split("_")[-2:])
            for f in (out / "images" / side).glob("*.png")
        ]

    train, val = windows("train"), windows("val")
    assert train and val
    trimmed = 0
    for r1, c1 in train:  # a train tile's pixels inside a val tile are blank: in one split only
        image = cv2.imread(str(next((out / "images" / "train").glob(f"*_r{r1}_c{c1}.png"))))
        for r2, c2 in val:
            rows = slice(max(r2 - r1, 0), max(min(r2 + 256 - r1, 256), 0))
            cols = slice(max(c2 - c1, 0), max(min(c2 + 256 - c1, 256), 0))
            shared = image[rows, cols]
            assert not shared.any(), "a train tile shows pixels of a val tile"
            trimmed += shared.size > 0
    record = stats.split["blocks"][0]
    assert record["seed"] == 4 and record["block_size_px"] == 448
    assert record["guard_band_tiles_trimmed"] > 0 and trimmed > 0


def test_stats_and_weights_match_a_hand_count(export):
    _, out, stats = export
    saved = json.loads((out / "stats.json").read_text())
    counts = dict.fromkeys(CLASS_NAMES, 0)
    for label_file in (out / "labels").rglob("*.txt"):
        for line in label_file.read_text().splitlines():
            counts[CLASS_NAMES[int(line.split()[0])]] += 1
    assert saved["instances"] == counts == stats.instances
    total = sum(counts.values())
    for name in CLASS_NAMES:
        assert saved["class_weights"][name] == pytest.approx(total / (4 * counts[name]), abs=1e-4)
        assert saved["ratios"][name] == pytest.approx(counts[name] / total, abs=1e-4)
    assert 'names:\n  0: "roof"' in (out / "data.yaml").read_text()


def test_balanced_weights_of_the_users_report():
    # roof 50.6%, farm 20.8%, rice-fields 15.9%, Baren-Land 12.7% (instances in the report)
    weights = balanced_class_weights([71784, 29515, 22599, 18073])
    assert [round(w, 2) for w in weights] == [0.49, 1.2, 1.57, 1.96]
    assert balanced_class_weights([10, 0]) == [0.5, 10.0]


def test_spacenet_buildings_with_a_constant_class(tmp_path):
    stats = export_dataset(
        [SPACENET_DIR / "ortho_pan_16bit.tif"],
        SPACENET_DIR / "buildings.geojson",
        tmp_path / "atlanta",
        class_field=None,
        class_value="roof",
        tile_size_px=256,
        overlap_px=32,
    )
    assert stats.class_names == ["roof"] and stats.bands == [1, 1, 1]
    # every one of the 43 outlines is in a tile: tiles beside validation blocks are trimmed
    # (their shared strip blanked), not dropped
    assert stats.outlines == {"total": 43, "left_out": 0, "left_out_m2": 0.0}
    assert stats.instances["roof"] >= 43 and stats.tiles["train"] + stats.tiles["val"] == 16
    image = cv2.imread(str(next((tmp_path / "atlanta" / "images" / "train").glob("*.png"))))
    assert image.shape == (256, 256, 3) and image.std() > 10


def test_labels_in_another_crs_are_reprojected(small_scene, tmp_path):
    labels = gpd.read_file(small_scene.labels_path).to_crs("EPSG:4326")
    path = tmp_path / "wgs84.geojson"
    labels.to_file(path)
    a = export_dataset(
        [small_scene.raster_path], path, tmp_path / "a", tile_size_px=128, overlap_px=0
    )
    b = export_dataset(
        [small_scene.raster_path],
        small_scene.labels_path,
        tmp_path / "b",
        tile_size_px=128,
        overlap_px=0,
    )
    assert a.instances == b.instances


def test_bad_labels(small_scene, tmp_path):
    labels = gpd.read_file(small_scene.labels_path).rename(columns={"class": "kind"})
    path = tmp_path / "kind.gpkg"
    labels.to_file(path)
    with pytest.raises(VectorReadError, match="no field 'class' \\(fields: kind\\)"):
        export_dataset([small_scene.raster_path], path, tmp_path / "x")
    far = labels.set_geometry(labels.translate(1e5, 1e5)).rename(columns={"kind": "class"})
    far_path = tmp_path / "far.gpkg"
    far.to_file(far_path)
    with pytest.raises(VectorReadError, match="No labelled polygon"):
        export_dataset([small_scene.raster_path], far_path, tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_unknown_classes_and_invalid_geometries_are_reported(small_scene, tmp_path):
    labels = gpd.read_file(small_scene.labels_path)
    labels.loc[0, "class"] = "forest"
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    labels.loc[1, "geometry"] = shapely.affinity.translate(
        bowtie, *labels.geometry.iloc[1].centroid.coords[0]
    )
    path = tmp_path / "messy.gpkg"
    labels.to_file(path)
    with pytest.warns(LandSegWarning, match="forest"):
        stats = export_dataset(
            [small_scene.raster_path],
            path,
            tmp_path / "out",
            class_names=CLASS_NAMES,
            tile_size_px=128,
            overlap_px=0,
        )
    assert stats.unknown_classes == {"forest": 1}
    assert stats.repaired_geometries == 1


def test_refuses_non_empty_output(small_scene, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(OutputExistsError, match="not empty"):
        export_dataset([small_scene.raster_path], small_scene.labels_path, tmp_path / "out")
    assert (tmp_path / "out" / "keep.txt").read_text() == "mine"
    with pytest.raises(InvalidParameterError, match="multiple of 32"):
        export_dataset(
            [small_scene.raster_path], small_scene.labels_path, tmp_path / "o2", tile_size_px=100
        )


def test_cancelled_export_leaves_nothing(small_scene, tmp_path):
    import threading

    from landseg.errors import Cancelled

    cancel = threading.Event()
    seen = []

    def progress(fraction, message):
        seen.append(fraction)
        cancel.set()

    with pytest.raises(Cancelled):
        export_dataset(
            [small_scene.raster_path],
            small_scene.labels_path,
            tmp_path / "out",
            tile_size_px=128,
            overlap_px=0,
            progress=progress,
            cancel=cancel,
        )
    assert seen and not (tmp_path / "out").exists()


def test_outlines_in_no_tile_are_counted_and_named(small_scene, tmp_path):
    """A parcel drawn over a part of the raster that holds no data cannot be exported: the
    summary says how many outlines (and what area) no tile holds."""
    with rasterio.open(small_scene.raster_path) as src:
        profile, pixels = src.profile | {"nodata": 0}, src.read()
        pixels[:, :, 256:] = 0  # the right half holds no data
        with rasterio.open(tmp_path / "half.tif", "w", **profile) as dst:
            dst.write(pixels)
        x, y = src.xy(100, 400)
        middle = src.xy(0, 256)[0]
    labels = gpd.read_file(small_scene.labels_path)
    labels = labels[labels.geometry.bounds["maxx"] < middle - 1]
    extra = gpd.GeoDataFrame(
        {"class": ["farm"]}, geometry=[shapely.box(x, y - 20, x + 20, y)], crs=labels.crs
    )
    path = tmp_path / "labels.gpkg"
    gpd.GeoDataFrame(pd.concat([labels, extra]), crs=labels.crs).to_file(path)
    with pytest.warns(LandSegWarning, match=r"1 of \d+ labelled outlines \(400 m²\) are in no"):
        stats = export_dataset(
            [tmp_path / "half.tif"],
            path,
            tmp_path / "ds",
            class_names=CLASS_NAMES,
            tile_size_px=128,
            overlap_px=0,
            val_fraction=0,
        )
    assert stats.outlines["left_out"] == 1 and stats.outlines["left_out_m2"] == 400.0
    assert stats.outlines["total"] == len(labels) + 1


def test_exported_dataset_is_a_standard_yolo_folder(export):
    """Other tools read it: ultralytics' own dataset check accepts it as it is."""
    from landseg.offline import import_ultralytics

    import_ultralytics()
    from ultralytics.data.utils import check_det_dataset

    _, out, stats = export
    checked = check_det_dataset(str(out / "data.yaml"))
    assert list(checked["names"].values()) == stats.class_names
    assert Path(checked["train"]) == out / "images" / "train"
    assert Path(checked["val"]) == out / "images" / "val"
