"""A real core install: a fresh virtual environment with ``pip install <checkout>`` (no extras,
from the package index or pip's cache), where ``import torch`` fails, ``landseg doctor`` runs
and ``landseg segment`` gives the polygons the full environment gives with the same model. Two
ways: on a Python of its own, and as the plugin's installer builds it on QGIS's Python (its
system packages visible, QGIS's own numpy kept)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from landseg.cli import main
from landseg.inference.runtimes.model_files import DEFAULT_ONNX_PATH

ROOT = Path(__file__).resolve().parents[1]


QGIS_PYTHON = Path("/usr/bin/python3")


def own_python_commands(env_dir: Path) -> list[list[str]]:
    """A venv on a Python of its own, then ``pip install`` of the checkout."""
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)]
    return [[sys.executable, "-m", "venv", str(env_dir)], pip]


def plugin_commands(env_dir: Path) -> list[list[str]]:
    """What the plugin's *Install* runs on QGIS's Python, with the checkout for its wheel."""
    from plugin import installer

    return installer.plan(ROOT, env_dir=env_dir).commands


@pytest.fixture(scope="module", params=[own_python_commands, plugin_commands])
def core_python(request, tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("core") / "venv"
    for command in request.param(env_dir):
        subprocess.run(command, check=True, timeout=900)
    return env_dir / "bin" / "python"


@pytest.mark.slow
def test_the_core_install_segments_without_pytorch(core_python, small_scene, tmp_path):
    absent = subprocess.run([str(core_python), "-c", "import torch"], capture_output=True)
    assert absent.returncode != 0
    doctor = subprocess.run(
        [str(core_python), "-m", "landseg", "doctor", "--try-segment"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Test segmentation: " in doctor.stdout and "with the shipped model" in doctor.stdout
    assert "Segments on the CPU with: ONNX Runtime" in doctor.stdout
    assert "torch: not installed (extra: train)" in doctor.stdout
    out = tmp_path / "core.gpkg"
    segment = [str(core_python), "-m", "landseg", "segment", str(small_scene.raster_path)]
    subprocess.run([*segment, "-o", str(out)], check=True, cwd=tmp_path, timeout=300)
    full = tmp_path / "full.gpkg"
    main(
        [
            "segment",
            str(small_scene.raster_path),
            "-o",
            str(full),
            "--model",
            str(DEFAULT_ONNX_PATH),
        ]
    )
    in_core, in_full = gpd.read_file(out), gpd.read_file(full)
    assert len(in_core) == len(in_full) > 0
    assert list(in_core["class"]) == list(in_full["class"])
    assert in_core.geometry.geom_equals_exact(in_full.geometry, tolerance=1e-9).all()


@pytest.mark.slow
def test_the_plugins_environment_runs_on_qgis_numpy(core_python):
    env_dir = core_python.parents[1]
    on_qgis = "include-system-site-packages = true" in (env_dir / "pyvenv.cfg").read_text()
    where = [str(core_python), "-c", "import numpy; print(numpy.__file__)"]
    numpy_file = subprocess.run(where, capture_output=True, text=True, check=True).stdout
    assert numpy_file.startswith(str(env_dir)) != on_qgis  # QGIS's numpy, not a second copy
