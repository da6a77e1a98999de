"""An installation without the extras (no PyTorch, torchvision, ultralytics, onnx or pyarrow):
it segments with the shipped ONNX model, and every command that needs an extra says so in one
line, exit code 2, naming the pip command.

The core install is stood in for by a ``python -c`` that hides the three packages from the
import system; ``benchmarks/bench_install.py`` builds a real one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import geopandas as gpd
import numpy as np
import pytest

from landseg.cli import main
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH, DEFAULT_ONNX_PATH

CORE_INSTALL = textwrap.dedent(
    """
    import sys

    class CoreInstall:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"torch", "torchvision", "ultralytics", "onnx", "pyarrow"}:
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, CoreInstall())
    from landseg.cli import main
    main(sys.argv[1:])
    """
)
NEEDS_THE_EXTRA = "needs LandSeg's training extra (PyTorch and ultralytics)"


def core(*args, cwd) -> subprocess.CompletedProcess:
    """``landseg ARGS`` as a core install runs it."""
    command = [sys.executable, "-c", CORE_INSTALL, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def _polygons(path) -> gpd.GeoDataFrame:
    return gpd.read_file(path).sort_values(["class", "score"]).reset_index(drop=True)


def test_a_core_install_segments_as_the_full_one(small_scene, tmp_path):
    """The same polygons as a full install running the same (shipped ONNX) model."""
    done = core("segment", small_scene.raster_path, "-o", tmp_path / "core.gpkg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "torch" not in done.stderr
    main(["segment", str(small_scene.raster_path), "-o", str(tmp_path / "full.gpkg")])
    main(
        [
            "segment",
            str(small_scene.raster_path),
            "-o",
            str(tmp_path / "full_onnx.gpkg"),
            "--model",
            str(DEFAULT_ONNX_PATH),
        ]
    )
    in_core, full_onnx = _polygons(tmp_path / "core.gpkg"), _polygons(tmp_path / "full_onnx.gpkg")
    assert len(in_core) == len(full_onnx) > 0
    assert list(in_core["class"]) == list(full_onnx["class"])
    assert np.array_equal(in_core["score"], full_onnx["score"])
    assert in_core.geometry.geom_equals_exact(full_onnx.geometry, tolerance=1e-9).all()
    full = _polygons(tmp_path / "full.gpkg")  # the .pt through the ONNX cache: the same model
    assert list(full["class"]) == list(in_core["class"])
    assert np.allclose(full["score"], in_core["score"], atol=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--data", "dataset", "-o", "run"], f"landseg train {NEEDS_THE_EXTRA}"),
        (["evaluate", "--data", "dataset"], NEEDS_THE_EXTRA),
        (["analyze", str(DEFAULT_ONNX_PATH), "--data", "dataset"], NEEDS_THE_EXTRA),
        (["export-model", str(DEFAULT_MODEL_PATH), "-o", "m.onnx"], NEEDS_THE_EXTRA),
        (
            ["segment", "scene.tif", "-o", "o.gpkg", "--model", str(DEFAULT_MODEL_PATH)],
            "is a PyTorch file",
        ),
        (["segment", "scene.tif", "-o", "o.gpkg", "--device", "cuda"], "has no GPU"),
        (["segment", "scene.tif", "-o", "o.parquet"], "pip install 'landseg[parquet]'"),
    ],
)
def test_what_needs_the_extra_says_so(small_scene, tmp_path, args, message):
    (tmp_path / "scene.tif").symlink_to(small_scene.raster_path)
    (tmp_path / "dataset").mkdir()
    done = core(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("landseg: error: ") and message in line
    assert "pip install 'landseg[" in line or "--device cpu" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "scene.tif"]


def test_doctor_on_a_core_install(tmp_path):
    done = core("doctor", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "PyTorch: ModuleNotFoundError" in done.stdout
    assert "Segments on the CPU with: ONNX Runtime" in done.stdout
    assert DEFAULT_ONNX_PATH.name in done.stdout  # the shipped model this install runs
