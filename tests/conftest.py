"""Shared fixtures: small synthetic scenes, written once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from landseg.io.synthetic import SyntheticScene, write_scene

REPO_ROOT = Path(__file__).resolve().parents[1]
# ONNX exports of the test models go to a folder of this test session, not the user's cache
# (worker processes the tests start inherit it).
os.environ["LANDSEG_CACHE_DIR"] = tempfile.mkdtemp(prefix="landseg-test-cache-")
atexit.register(shutil.rmtree, os.environ["LANDSEG_CACHE_DIR"], ignore_errors=True)
SPACENET_DIR = REPO_ROOT / "tests" / "data" / "spacenet-atlanta"  # with its licence
# record.json and epochs.csv of a real two-phase run (1 + 1 epochs), without its weights
RECORDED_RUN = REPO_ROOT / "tests" / "data" / "runs" / "two-phase"


@pytest.fixture(scope="session")
def small_scene(tmp_path_factory: pytest.TempPathFactory) -> SyntheticScene:
    """A 512 px, 8-bit scene at 0.5 m in UTM 54N."""
    return write_scene(tmp_path_factory.mktemp("small_scene"), size_px=512, seed=3)


@pytest.fixture(scope="session")
def scene_16bit(tmp_path_factory: pytest.TempPathFactory) -> SyntheticScene:
    """A 768 px, 16-bit scene with a nodata border."""
    return write_scene(
        tmp_path_factory.mktemp("scene_16bit"), size_px=768, seed=5, bits=16, nodata_border_px=24
    )


@pytest.fixture(scope="session")
def tiny_dataset(small_scene, tmp_path_factory):
    """A YOLO-seg dataset of 128 px tiles exported from ``small_scene``."""
    from landseg.io.synthetic import CLASS_NAMES
    from landseg.training.dataset import export_dataset

    out = tmp_path_factory.mktemp("tiny_dataset") / "data"
    export_dataset(
        [small_scene.raster_path],
        small_scene.labels_path,
        out,
        class_names=CLASS_NAMES,
        tile_size_px=128,
        overlap_px=16,
        seed=1,
    )
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tmp_path_factory):
    """A real two-phase training run (1 + 1 epochs at 128 px) and its record."""
    from landseg.training.options import TrainOptions
    from landseg.training.train import train

    run_dir = tmp_path_factory.mktemp("tiny_run") / "run"
    progress = []
    train(
        TrainOptions(
            data=str(tiny_dataset),
            run_dir=str(run_dir),
            epochs=1,
            batch=4,
            continue_epochs=1,
            loader_workers=0,
        ),
        progress=lambda fraction, message: progress.append((fraction, message)),
    )
    return run_dir, progress


@pytest.fixture
def recorded_run(tmp_path) -> Path:
    """A copy of a recorded run folder, for tests that need a run record but no training."""
    from tests.run_records import copy_run

    return copy_run(RECORDED_RUN, tmp_path / "recorded", with_model=False)


@pytest.fixture(scope="session")
def tiny_analysis(tiny_run):
    """Feature-map and gradient analysis of ``tiny_run``'s best.pt on its validation tiles."""
    import json

    from landseg.reporting.analysis import analyze_model

    run_dir, _ = tiny_run
    record = json.loads((run_dir / "record.json").read_text())
    return analyze_model(
        run_dir / "best.pt", record["dataset"]["data_yaml"], max_images=4, batch_size=4
    )
