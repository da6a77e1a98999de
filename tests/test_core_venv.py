"""A real core install: a fresh virtual environment with ``pip install <checkout>`` (no extras,
from the package index or pip's cache), where ``import torch`` fails, ``landseg doctor`` runs
and ``landseg segment`` gives the polygons the full environment gives with the same model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from landseg.cli import main
from landseg.inference.runtimes.model_files import DEFAULT_ONNX_PATH

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def core_python(tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("core") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)]
    subprocess.run(install, check=True, timeout=900)
    return python


@pytest.mark.slow
def test_the_core_install_segments_without_pytorch(core_python, small_scene, tmp_path):
    absent = subprocess.run([str(core_python), "-c", "import torch"], capture_output=True)
    assert absent.returncode != 0
    doctor = subprocess.run(
        [str(core_python), "-m", "landseg", "doctor"], capture_output=True, text=True, check=True
    )
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
