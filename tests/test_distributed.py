"""Segmenting on a Dask cluster gives the local run's polygons, survives a lost worker, cancels.

Also: a local run never imports Dask, an area of interest that skips tiles (tile indices are
positions), and the argument plumbing of training on several GPUs (on CPU, torch patched).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
import torch

from landseg.cli import main
from landseg.errors import (
    Cancelled,
    ClusterError,
    DeviceUnavailableError,
    InvalidParameterError,
    ModelLoadError,
)
from landseg.inference import distributed
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.devices import resolve_devices
from landseg.inference.segmenter import TileInstance
from landseg.inference.tiling import tile_grid
from landseg.io.synthetic import write_scene
from tests.standins import GroundTruthSegmenter

TILING = {"tile_size_px": 256, "overlap_px": 32}  # a 1024 px scene: 5 x 5 tiles
CHUNK_TILES = 2  # 3 x 3 chunks of up to 2 x 2 tiles


class SlowSegmenter(GroundTruthSegmenter):
    """Ground truth, a little late: a run on the cluster lasts long enough to lose a worker."""

    def __init__(self, *args, delay_s: float = 0.15, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delay_s = delay_s

    def predict(self, tiles):
        time.sleep(self.delay_s)
        return super().predict(tiles)


class WrongClassSegmenter(GroundTruthSegmenter):
    """Returns a class id its class names do not have."""

    def predict(self, tiles):
        return [[TileInstance(np.ones(t.image.shape[:2], bool), 99, 0.9)] for t in tiles]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """0.25 m pixels, so fields span tiles and chunks."""
    return write_scene(tmp_path_factory.mktemp("dask"), size_px=1024, seed=7, pixel_size_m=0.25)


@pytest.fixture(scope="module")
def local_output(scene, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "local.gpkg"
    segment(scene.raster_path, out, model=gt(scene), **TILING)
    return out


@pytest.fixture(scope="module")
def client():
    """A cluster of two worker processes, as ``landseg segment --workers 2`` starts."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        yield client


def gt(scene, cls=GroundTruthSegmenter, **kwargs):
    return cls(scene.labels_path, scene.raster_path, **kwargs)


def polygons(path):
    return gpd.read_file(path, layer=LAYER_NAME)


def assert_same_polygons(path_a, path_b):
    """The same polygons with the same fields (symmetric difference 0); the order may differ:
    a cluster writes each chunk's objects as it completes, its border objects last."""
    a, b = polygons(path_a), polygons(path_b)
    assert len(a) == len(b) > 0

    def features(frame):
        fields = zip(frame["class"], frame["score"], frame["area_m2"], strict=True)
        return sorted(zip(fields, frame.geometry.to_wkb(), strict=True))

    assert features(a) == features(b)


def test_workers_write_their_chunks_into_a_shared_folder(
    scene, local_output, tmp_path, monkeypatch
):
    """Into a partitioned GeoParquet folder, workers write their chunks themselves: only
    border pieces come back, and the folder holds the local run's polygons."""
    returned = []
    original = distributed.Packed.instances
    monkeypatch.setattr(
        distributed.Packed,
        "instances",
        lambda self: returned.append(len(self.wkb)) or original(self),
    )
    out = tmp_path / "country"
    result = segment(
        scene.raster_path, out, model=gt(scene), workers=2, chunk_tiles=CHUNK_TILES, **TILING
    )
    parts = sorted(p.name for p in out.glob("*.parquet"))
    assert "part-border.parquet" in parts and any(p.startswith("part-chunk-") for p in parts)
    written = gpd.read_parquet(out)
    local = polygons(local_output)

    def features(frame):
        fields = zip(frame["class"], frame["score"], frame["area_m2"], strict=True)
        return sorted(zip(fields, frame.geometry.to_wkb(), strict=True))

    assert features(written) == features(local)
    assert sum(result.counts.values()) == len(local)
    assert not any(returned)  # no instance travelled back to this process
    assert [p.name for p in tmp_path.iterdir()] == ["country"]


def test_partition_puts_every_tile_in_one_square_chunk():
    specs = tile_grid(1000, 700, 256, 32)  # 5 x 3 tiles, the last ones padded
    chunks = distributed.partition(specs, 2)
    assert [len(c) for c in chunks] == [4, 4, 2, 2, 2, 1]
    assert sorted(s.index for c in chunks for s in c) == [s.index for s in specs]
    for chunk in chunks:
        assert len({s.window.col_off for s in chunk}) <= 2
        assert len({s.window.row_off for s in chunk}) <= 2
    assert distributed.partition(specs, 100) == [specs]


def test_two_workers_give_exactly_the_local_polygons(scene, local_output, tmp_path):
    truth = gpd.read_file(scene.labels_path)
    with rasterio.open(scene.raster_path) as src:
        to_pixels = ~src.transform
    chunk_cores = [
        shapely.box(*np.min([s.core for s in c], 0)[:2], *np.max([s.core for s in c], 0)[2:])
        for c in distributed.partition(tile_grid(1024, 1024, **TILING), CHUNK_TILES)
    ]
    matrix = [to_pixels.a, to_pixels.b, to_pixels.d, to_pixels.e, to_pixels.xoff, to_pixels.yoff]
    spans = [
        sum(core.intersects(shapely.affinity.affine_transform(g, matrix)) for core in chunk_cores)
        for g in truth.geometry
    ]
    assert max(spans) >= 2, "the scene must hold objects cut by chunk boundaries"

    seen = []
    out = tmp_path / "dask.gpkg"
    result = segment(
        scene.raster_path,
        out,
        model=gt(scene),
        workers=2,
        chunk_tiles=CHUNK_TILES,
        progress=lambda fraction, message: seen.append((fraction, message)),
        **TILING,
    )
    assert_same_polygons(local_output, out)
    assert result.tiles_run == result.tiles_total == 25
    assert result.device == "2 Dask workers (n/a)"
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[0][1] == "Starting a local Dask cluster of 2 workers"
    assert "25 tiles in 9 chunks on 2 Dask workers" in seen[1][1]
    assert len(polygons(out)) == len(truth)


def test_a_worker_killed_mid_run_loses_and_repeats_nothing(scene, local_output, client, tmp_path):
    killed = []  # (worker address, the chunks it was running)
    finished = threading.Event()

    def kill_a_busy_worker() -> None:
        """Kill the first worker seen running a chunk (watching, not waiting for a report)."""
        while not finished.is_set():
            for address, keys in client.processing().items():
                chunks = [k for k in keys if str(k).startswith("landseg-chunk")]
                if chunks:
                    os.kill(client.run(os.getpid, workers=[address])[address], signal.SIGKILL)
                    killed.append((address, chunks))
                    return
            time.sleep(0.02)

    watcher = threading.Thread(target=kill_a_busy_worker, daemon=True)
    watcher.start()
    out = tmp_path / "dask.gpkg"
    result = segment(
        scene.raster_path,
        out,
        model=gt(scene, SlowSegmenter),
        scheduler=client,
        chunk_tiles=CHUNK_TILES,
        batch_size=1,  # many predict calls, so chunks are still running at the kill
        **TILING,
    )
    finished.set()
    watcher.join()
    assert killed and killed[0][1], "no worker was killed while it ran a chunk"
    assert killed[0][0] not in client.scheduler_info(n_workers=-1)["workers"]
    assert_same_polygons(local_output, out)
    assert result.tiles_run == 25


def test_cancel_on_the_cluster_cancels_the_chunks_and_writes_nothing(scene, client, tmp_path):
    cancel = threading.Event()

    def cancel_after_first_chunk(fraction, message):
        if fraction > 0:
            cancel.set()

    with pytest.raises(Cancelled, match="no output was written"):
        segment(
            scene.raster_path,
            tmp_path / "out.gpkg",
            model=gt(scene, SlowSegmenter),
            scheduler=client,
            chunk_tiles=CHUNK_TILES,
            progress=cancel_after_first_chunk,
            cancel=cancel,
            **TILING,
        )
    assert list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        str(k).startswith("landseg-chunk") for k in client.who_has()
    ):
        time.sleep(0.1)
    assert not [k for k in client.who_has() if str(k).startswith("landseg-chunk")]


def test_a_worker_error_reaches_the_caller(scene, client, tmp_path):
    with pytest.raises(ModelLoadError, match="class id 99"):
        segment(
            scene.raster_path,
            tmp_path / "out.gpkg",
            model=gt(scene, WrongClassSegmenter),
            scheduler=client,
            **TILING,
        )
    assert list(tmp_path.iterdir()) == []


def test_area_of_interest_that_skips_tiles(scene, client, tmp_path):
    """A thin diagonal band: its bounding window holds every tile, it touches only some."""
    with rasterio.open(scene.raster_path) as src:
        left, bottom, right, top = src.bounds
    band = shapely.LineString([(left + 5, bottom + 5), (right - 5, top - 5)]).buffer(8)
    local, on_cluster = tmp_path / "local.gpkg", tmp_path / "cluster.gpkg"
    result = segment(scene.raster_path, local, model=gt(scene), aoi=band, **TILING)
    assert result.tiles_total < 25
    segment(
        scene.raster_path,
        on_cluster,
        model=gt(scene),
        aoi=band,
        scheduler=client,
        chunk_tiles=CHUNK_TILES,
        **TILING,
    )
    assert_same_polygons(local, on_cluster)
    truth = gpd.read_file(scene.labels_path).clip(band)
    assert len(polygons(local)) == len(truth[truth.area > 1.0])


def test_cluster_options_are_checked(scene, tmp_path, monkeypatch):
    with pytest.raises(InvalidParameterError, match="not both"):
        segment(scene.raster_path, tmp_path / "o.gpkg", model=gt(scene), scheduler="x", workers=2)
    with pytest.raises(InvalidParameterError, match="at least 1"):
        segment(scene.raster_path, tmp_path / "o.gpkg", model=gt(scene), workers=0)
    with pytest.raises(InvalidParameterError, match="Chunk size 0 tiles"):
        segment(scene.raster_path, tmp_path / "o.gpkg", model=gt(scene), workers=1, chunk_tiles=0)
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    with pytest.raises(ClusterError, match="Could not reach the Dask scheduler"):
        segment(
            scene.raster_path, tmp_path / "o.gpkg", model=gt(scene), scheduler="tcp://127.0.0.1:9"
        )
    with pytest.raises(InvalidParameterError, match="cannot be sent to Dask workers"):
        model = gt(scene)
        model.lock = threading.Lock()
        segment(scene.raster_path, tmp_path / "o.gpkg", model=model, scheduler="tcp://x:1")
    assert list(tmp_path.iterdir()) == []


def test_a_scheduler_without_workers(scene, tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(distributed, "WORKER_WAIT_S", 0.5)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        options = {"model": gt(scene), "scheduler": cluster.scheduler_address}
        with pytest.raises(ClusterError, match=r"no workers for 0\.5 s: start some"):
            segment(scene.raster_path, tmp_path / "o.gpkg", **options)
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(Cancelled):
            segment(scene.raster_path, tmp_path / "o.gpkg", cancel=cancel, **options)
    assert list(tmp_path.iterdir()) == []


def test_command_line_options(small_scene, tmp_path, capsys):
    raster, out = str(small_scene.raster_path), str(tmp_path / "o.gpkg")
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", raster, "-o", out, "--workers", "0"])
    assert exit_info.value.code == 2
    assert "Workers 0 must be at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_command_line_with_local_workers_and_a_model_file(small_scene, tmp_path):
    """The shipped model, loaded once by each worker; the CLI runs as ``python -m landseg``."""
    out = tmp_path / "out.gpkg"
    arguments = [str(small_scene.raster_path), "-o", str(out), "--progress", "json"]
    result = subprocess.run(
        [sys.executable, "-m", "landseg", "segment", *arguments, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "result" and events[-1]["device"] == "2 Dask workers (cpu)"
    assert any("chunks on 2 Dask workers" in e.get("message", "") for e in events)
    assert len(polygons(out)) == sum(events[-1]["counts"].values())


def test_a_local_run_imports_no_dask(small_scene, tmp_path):
    code = (
        "import sys\n"
        "from landseg.inference.pipeline import segment\n"
        "from tests.standins import EmptySegmenter\n"
        "segment(sys.argv[1], sys.argv[2], model=EmptySegmenter(), tile_size_px=256)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed') or m == 'landseg.inference.distributed'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(small_scene.raster_path), str(tmp_path / "o.gpkg")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# Training on several GPUs: argument plumbing only (no GPU here).


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)


def test_device_lists(two_gpus):
    assert resolve_devices("0,1") == resolve_devices("cuda:0, cuda:1") == ["cuda:0", "cuda:1"]
    assert resolve_devices("1") == ["cuda:1"] and resolve_devices("cpu") == ["cpu"]
    with pytest.raises(DeviceUnavailableError, match=r"GPU\(s\) 2 of device list '0,2'.*0 to 1"):
        resolve_devices("0,2")
    with pytest.raises(InvalidParameterError, match="may only name CUDA GPUs"):
        resolve_devices("cpu,0")
    with pytest.raises(InvalidParameterError, match="more than once"):
        resolve_devices("0,cuda:0")


def test_device_list_without_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailableError, match="no CUDA GPU"):
        resolve_devices("0,1")


def test_training_on_two_gpus_passes_them_to_ultralytics(two_gpus, tmp_path):
    from landseg.training.options import TrainOptions, check_options
    from landseg.training.train import _ultralytics_arguments

    phase = {
        "name": "main",
        "epochs": 3,
        "imgsz": 256,
        "lr0": 1e-3,
        "lrf": 0.1,
        "copy_paste": 0.3,
        "augmentation": {},
    }
    options = {"device": "0,1", "batch": 16, "copy_paste_mode": "flip", "patience": 5}
    options |= {"seed": 0, "loader_workers": 2}
    arguments = _ultralytics_arguments(options, phase, "data.yaml")
    assert arguments["device"] == "0,1" and arguments["batch"] == 16 and arguments["amp"]
    assert _ultralytics_arguments(options | {"device": "1"}, phase, "d")["device"] == "1"
    assert _ultralytics_arguments(options | {"device": "cpu"}, phase, "d")["device"] == "cpu"
    with pytest.raises(InvalidParameterError, match="Batch 9 cannot be split evenly over 2 GPUs"):
        _ultralytics_arguments(options | {"batch": 9}, phase, "d")
    with pytest.raises(InvalidParameterError, match="--batch 8"):  # checked before any work
        check_options(TrainOptions(data="d", run_dir="r", device="0,1", batch=9))


def test_training_callbacks_pickle_for_multi_gpu_workers(tmp_path):
    """ultralytics pickles the callbacks into its DDP worker processes."""
    import cloudpickle

    from landseg.training.callbacks import Callbacks
    from landseg.training.record import RunRecord

    record = RunRecord(tmp_path, {"phases": [], "epochs": []})
    callbacks = Callbacks(record, "main", [1.0], print, threading.Event(), 0, 3)
    copy = cloudpickle.loads(cloudpickle.dumps(callbacks))
    assert copy.progress is None and copy.cancel is None and copy.weights == [1.0]
    assert callbacks.cancel is not None  # the original keeps its own
