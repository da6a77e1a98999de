"""Streamed runs: outputs in every format, resumable after a kill, unreadable tiles skipped."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pytest

from landseg.errors import Cancelled, RasterReadError
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.io.synthetic import write_scene
from landseg.io.work_file import work_file
from tests.standins import GroundTruthSegmenter


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return write_scene(tmp_path_factory.mktemp("streaming"), size_px=1024, seed=8)


def _features(frame: gpd.GeoDataFrame) -> list[tuple]:
    """Every feature, in file order: what makes two outputs identical."""
    return list(
        zip(
            frame["class"],
            frame["score"].round(4),
            frame["area_m2"].round(2),
            frame.geometry.to_wkb(),
            strict=True,
        )
    )


def _run(scene, out, **options):
    model = GroundTruthSegmenter(scene.labels_path, scene.raster_path)
    return segment(scene.raster_path, out, model=model, tile_size_px=256, overlap_px=32, **options)


@pytest.fixture(scope="module")
def reference(scene, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "out.gpkg"
    _run(scene, out)
    return gpd.read_file(out, layer=LAYER_NAME)


@pytest.mark.parametrize("name", ["out.parquet", "out.fgb", "dataset"])
def test_every_format_holds_the_same_polygons(scene, reference, tmp_path, name):
    out = tmp_path / name
    result = _run(scene, out)
    frame = gpd.read_parquet(out) if name != "out.fgb" else gpd.read_file(out)
    if name == "out.fgb":  # FlatGeobuf's spatial index stores features in Hilbert order
        assert sorted(_features(frame)) == sorted(_features(reference))
    else:
        assert _features(frame) == _features(reference)
    assert list(frame.columns) == list(reference.columns)
    assert frame.crs == reference.crs
    assert sum(result.counts.values()) == len(reference)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no work file left


def test_geoparquet_folder_is_a_partitioned_dataset(scene, tmp_path, monkeypatch):
    monkeypatch.setattr("landseg.io.work_file._CONVERT_BATCH", 5)
    _run(scene, tmp_path / "dataset")
    parts = sorted(p.name for p in (tmp_path / "dataset").glob("*.parquet"))
    assert len(parts) > 1 and parts[0] == "part-00000.parquet"
    assert len(gpd.read_parquet(tmp_path / "dataset")) > 5


def test_unknown_output_format_is_refused_before_work(scene, tmp_path):
    from landseg.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=r"\.gpkg .*\.parquet .*\.fgb"):
        _run(scene, tmp_path / "out.shp")


def test_cancelled_resumable_run_keeps_only_its_work_file_and_resumes(scene, reference, tmp_path):
    out = tmp_path / "out.gpkg"
    calls = []

    class StopAfterTwo:
        def is_set(self):
            return len(calls) >= 2

    with pytest.raises(Cancelled, match="--resume"):
        _run(
            scene, out, checkpoint=True, cancel=StopAfterTwo(), progress=lambda *a: calls.append(a)
        )
    assert not out.exists() and work_file(out).exists()
    _run(scene, out, resume=True)
    assert _features(gpd.read_file(out, layer=LAYER_NAME)) == _features(reference)
    assert not work_file(out).exists()


def test_without_checkpoints_a_cancelled_run_leaves_nothing(scene, tmp_path):
    out = tmp_path / "out.gpkg"
    with pytest.raises(Cancelled):
        _run(scene, out, checkpoint=False, cancel=type("C", (), {"is_set": lambda self: True})())
    assert list(tmp_path.iterdir()) == []


def test_a_stale_work_file_is_reported_and_replaced(scene, reference, tmp_path):
    out = tmp_path / "out.gpkg"
    work_file(out).write_bytes(b"left by a run that died")
    with pytest.warns(UserWarning, match="did not finish: it is replaced"):
        _run(scene, out)
    assert _features(gpd.read_file(out, layer=LAYER_NAME)) == _features(reference)


def test_resume_of_another_run_is_refused(scene, tmp_path):
    from landseg.errors import InvalidParameterError

    out = tmp_path / "out.gpkg"
    with pytest.raises(Cancelled):
        _run(scene, out, checkpoint=True, cancel=type("C", (), {"is_set": lambda s: True})())
    with pytest.raises(InvalidParameterError, match="another raster, model or options"):
        _run(scene, out, resume=True, min_area_m2=50.0)


def _damaged_copy(scene, folder):
    """The scene as a tiled, compressed GeoTIFF with one block of zeros in the middle."""
    import rasterio

    damaged = folder / "damaged.tif"
    with rasterio.open(scene.raster_path) as src:
        profile = src.profile | {"tiled": True, "blockxsize": 128, "blockysize": 128}
        profile |= {"compress": "deflate"}
        with rasterio.open(damaged, "w", **profile) as dst:
            dst.write(src.read())
    data = bytearray(damaged.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 6000] = bytes(6000)
    damaged.write_bytes(bytes(data))
    return damaged


def test_unreadable_tiles_are_skipped_and_listed(scene, tmp_path):
    damaged = _damaged_copy(scene, tmp_path)
    model = GroundTruthSegmenter(scene.labels_path, scene.raster_path)
    options = {"model": model, "tile_size_px": 256, "overlap_px": 32}
    with pytest.raises(RasterReadError, match="Cannot read rows"):
        segment(damaged, tmp_path / "a.gpkg", checkpoint=True, **options)
    assert work_file(tmp_path / "a.gpkg").exists()  # --resume can go on, skipping the damage
    # (asked of the result: rasterio's reading thread may reset Python's warning filters)
    result = segment(damaged, tmp_path / "b.gpkg", skip_unreadable=True, **options)
    assert any("tile(s) could not be read and were skipped" in w for w in result.warnings)
    segment(damaged, tmp_path / "a.gpkg", resume=True, skip_unreadable=True, **options)
    assert _features(gpd.read_file(tmp_path / "a.gpkg")) == _features(
        gpd.read_file(tmp_path / "b.gpkg")
    )
    full = segment(scene.raster_path, tmp_path / "c.gpkg", **options)
    assert sum(full.counts.values()) > len(gpd.read_file(tmp_path / "b.gpkg"))


@pytest.mark.slow
def test_kill_at_a_random_moment_then_resume_gives_the_same_output(tmp_path):
    """kill -9 five times at random moments; each resumed run writes exactly the same file."""
    scene = write_scene(tmp_path / "scene", size_px=2048, seed=9)
    command = [
        sys.executable,
        "-m",
        "landseg",
        "segment",
        str(scene.raster_path),
        "--checkpoint",
        "--batch",
        "2",
        "--progress",
        "json",
        "--device",
        "cpu",
    ]
    reference = tmp_path / "reference.gpkg"
    subprocess.run([*command, "-o", str(reference)], check=True, capture_output=True)
    expected = _features(gpd.read_file(reference, layer=LAYER_NAME))
    rng = np.random.default_rng(1)
    for trial in range(5):
        out = tmp_path / f"run{trial}.gpkg"
        process = subprocess.Popen([*command, "-o", str(out)], stdout=subprocess.PIPE, text=True)
        for _ in range(int(rng.integers(1, 12))):  # let it write a few batches
            if not process.stdout.readline():
                break
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        resumed = subprocess.run(
            [*command, "-o", str(out), "--resume"], capture_output=True, text=True
        )
        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout.strip().splitlines()[-1])["event"] == "result"
        assert _features(gpd.read_file(out, layer=LAYER_NAME)) == expected, trial
        assert not work_file(out).exists()
