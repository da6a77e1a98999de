"""The warm worker (``landseg serve``): jobs one after another, models kept loaded, cancel."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from plugin import warm_worker
from plugin.backend import segment_args
from plugin.worker import WorkerCancelled, WorkerError, pid_alive, worker_environment


@pytest.fixture
def fresh_workers():
    warm_worker.stop_all()
    yield
    warm_worker.stop_all()


@pytest.mark.slow
def test_jobs_share_one_worker_and_one_loaded_model(
    worker_python, tiny_model, small_scene, tmp_path, fresh_workers
):
    runs = []
    for index in range(3):
        out = tmp_path / f"out{index}.gpkg"
        args = segment_args(str(small_scene.raster_path), str(out), model=tiny_model, device="cpu")
        runs.append(warm_worker.run_job(worker_python, args))
        assert out.is_file() and runs[-1].result["output"] == str(out)
    assert len({run.pid for run in runs}) == 1
    assert [run.models_read for run in runs] == [1, 1, 1]  # read once, then kept
    with pytest.raises(WorkerError, match=r"nowhere\.tif") as caught:
        warm_worker.run_job(worker_python, segment_args("/nowhere.tif", str(tmp_path / "x.gpkg")))
    assert caught.value.returncode == 2
    pid = runs[0].pid
    warm_worker.stop_all()
    assert not pid_alive(pid)


@pytest.mark.slow
def test_a_job_that_does_not_stop_kills_the_worker_and_the_next_starts_one(
    worker_python, tiny_model, tmp_path_factory, fresh_workers, monkeypatch
):
    from landseg.io.synthetic import write_scene

    scene = write_scene(tmp_path_factory.mktemp("slow_scene"), size_px=1536, seed=4)
    out = scene.raster_path.parent / "out.gpkg"
    monkeypatch.setattr(warm_worker, "CANCEL_GRACE_S", 0.0)  # any job is "too slow" to stop
    started: list[int] = []
    progressed: list[float] = []
    with pytest.raises(WorkerCancelled):
        warm_worker.run_job(
            worker_python,
            segment_args(str(scene.raster_path), str(out), model=tiny_model, device="cpu"),
            progress=lambda fraction, _message: progressed.append(fraction),
            is_cancelled=lambda: bool(progressed),
            on_start=started.append,
        )
    assert not pid_alive(started[0]) and not out.exists()
    info = warm_worker.run_job(worker_python, ["model-info", tiny_model, "--device", "cpu"])
    assert info.pid != started[0] and json.loads(info.stdout[-1])["tile_size_px"] == 128


def test_serve_protocol_cancel_of_a_queued_job_and_tagged_lines(worker_python, tmp_path):
    requests = [
        {
            "id": "a",
            "argv": ["segment", str(tmp_path / "none.tif"), "-o", str(tmp_path / "o.gpkg")],
        },
        {"cancel": "b"},
        {"id": "b", "argv": ["model-info"]},
        {"id": "c", "argv": ["--version"]},
    ]
    done = subprocess.run(
        [worker_python, "-m", "landseg", "serve"],
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        env=worker_environment(),
        timeout=120,
    )
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events[0]["event"] == "ready"
    finished = {e["id"]: e["code"] for e in events if e["event"] == "done"}
    assert finished == {"a": 2, "b": 130, "c": 0}
    errors = [e["line"] for e in events if e["event"] == "stderr" and e["id"] == "a"]
    assert errors == [
        f"landseg: error: Raster '{tmp_path / 'none.tif'}' does not exist: check the path."
    ]
    assert any(e["event"] == "stdout" and "0.1" in e["line"] for e in events if e.get("id") == "c")


def test_idle_worker_stops_by_itself(worker_python, fresh_workers, monkeypatch):
    monkeypatch.setattr(warm_worker, "IDLE_TIMEOUT_S", 0.5)
    run = warm_worker.run_job(worker_python, ["model-info", "--device", "cpu"])
    deadline = time.monotonic() + 15
    while pid_alive(run.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not pid_alive(run.pid)
