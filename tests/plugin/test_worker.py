"""The worker runner and environment finder (plain Python, real subprocesses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plugin import backend, environment, installer
from plugin.worker import (
    WorkerError,
    error_message,
    last_json_object,
    remove_partial_outputs,
    run_worker,
)


def test_backend_error_is_one_line_without_prefix(worker_python, tmp_path):
    with pytest.raises(WorkerError) as caught:
        run_worker(
            worker_python,
            ["segment", str(tmp_path / "nowhere.tif"), "-o", str(tmp_path / "out.gpkg")],
        )
    assert caught.value.returncode == 2
    assert "nowhere.tif" in caught.value.message
    assert not caught.value.message.startswith("landseg:")
    assert "nowhere.tif" in caught.value.details


def test_missing_interpreter_says_what_to_check(tmp_path):
    with pytest.raises(WorkerError, match="Could not start the LandSeg worker"):
        run_worker(str(tmp_path / "python"), ["--help"])


@pytest.mark.slow
def test_model_info_reads_metadata_through_the_worker(worker_python, tiny_model):
    info = backend.model_info(worker_python, tiny_model, "cpu")
    assert info["tile_size_px"] == 128 and info["overlap_px"] == 16
    assert info["device_name"] == "CPU"
    assert backend.model_info(worker_python, tiny_model, "cpu") is info  # cached


def test_helpers():
    assert error_message(["noise", "landseg: error: Bad thing: do this."], 2) == (
        "Bad thing: do this."
    )
    assert "exit code 1" in error_message(["Traceback", "KeyError: 'x'"], 1)
    assert last_json_object(["text", '{"a": 1}', "more"]) == {"a": 1}
    assert last_json_object(["{broken"]) is None
    assert backend.class_weights_args({"a": 3, "b": 1}) == ["class-weights", "--counts", "a=3,b=1"]
    export = backend.export_dataset_args(["a.tif"], "l.gpkg", "out", auto_scale=True)
    assert "--auto-scale" in export and "--auto-scale" not in backend.export_dataset_args(
        ["a.tif"], "l.gpkg", "out"
    )
    preview = backend.object_sizes_args(["a.tif"], "l.gpkg", tile_size_px=320, auto_scale=True)
    assert preview == ["object-sizes", *export[1:6], "--tile-size", "320", "--auto-scale"]
    args = backend.segment_args("in.tif", "out.gpkg", overlap_px=0, simplify_tolerance_m=None)
    assert args[:4] == ["segment", f"{Path.cwd()}/in.tif", "-o", f"{Path.cwd()}/out.gpkg"]
    assert (
        "--overlap" in args and "--simplify-m" not in args and args[-2:] == ["--progress", "json"]
    )


def test_partial_outputs_are_removed(tmp_path):
    target = tmp_path / "landcover.gpkg"
    leftover = tmp_path / ".landcover.1a2b3c4d.partial.gpkg"
    leftover.write_text("x")
    (tmp_path / "keep.gpkg").write_text("x")
    remove_partial_outputs(target)
    assert not leftover.exists() and (tmp_path / "keep.gpkg").exists()


def test_environment_candidates_and_install_command(tmp_path):
    found = environment.detect()
    assert found is not None and found.ok and found.source == "checkout"
    pythons = [python for python, _ in environment.candidates(str(tmp_path / "py"))]
    assert pythons[0] == str(tmp_path / "py")
    bogus = environment.probe(str(tmp_path / "py"), use_cache=False)
    assert not bogus.ok and "does not exist" in bogus.problem
    # An interpreter without landseg (QGIS's own Python) is reported, not used.
    plain = environment.probe(sys.base_prefix + "/bin/python3", use_cache=False)
    if not plain.ok:
        assert "landseg" in plain.problem or plain.missing
    assert installer.install_plan().commands == [
        ["bash", str(installer.checkout_root() / "scripts" / "bootstrap.sh")]
    ]


def test_install_plan_from_the_bundled_wheel(qgis_app, tmp_path):

    wheel = tmp_path / "landseg-0.1.0-py3-none-any.whl"
    online = installer.plan(wheel, env_dir=tmp_path / "venv")
    assert online.creates_env
    assert online.commands[0][1:] == [
        "-m",
        "venv",
        "--system-site-packages",
        str(tmp_path / "venv"),
    ]
    install = online.commands[1]
    assert install[1:4] == ["-m", "pip", "install"] and install[-1] == str(wheel)
    assert "--no-index" not in install  # with internet: pinned dependencies from the index
    qgis_numpy = [installer.base_python(), "-c", "import numpy; print(numpy.__version__)"]
    version = subprocess.run(qgis_numpy, capture_output=True, text=True).stdout.strip()
    assert f"numpy=={version}" in install  # QGIS's own, which the new environment sees: kept
    offline = installer.plan(wheel, wheelhouse="/wheels", env_dir=tmp_path / "venv")
    assert offline.commands[1][-4:] == ["--no-index", "--find-links", "/wheels", str(wheel)]
    assert not any(part.startswith("numpy==") for part in offline.commands[1])
    assert online.size_gb == installer.CORE_SIZE_GB  # the core: segmenting, no PyTorch
    assert online.commands[-1][1:] == ["-m", "landseg", "doctor", "--try-segment"]
    training = installer.plan(wheel, env_dir=tmp_path / "venv", training=True)
    assert training.commands[-1][-1] == f"{wheel}[train]"
    assert training.size_gb == installer.CORE_SIZE_GB + installer.TRAINING_SIZE_GB


def test_only_a_numpy_landseg_runs_on_is_kept(qgis_app, tmp_path):
    fake = tmp_path / "python"
    for version, kept in (("1.24.2", ["numpy==1.24.2"]), ("1.23.5", []), ("2.1.0", [])):
        fake.write_text(f"#!/bin/sh\necho {version}\n")
        fake.chmod(0o755)
        assert installer.numpy_to_keep(str(fake)) == kept
    assert installer.numpy_to_keep(str(tmp_path / "nowhere")) == []


def test_a_backend_of_another_version_is_offered_the_upgrade(qgis_app):

    assert installer.plugin_version() == "0.1.0"
    old = environment.Environment(python="/x/python", ok=True, landseg_version="0.0.9")
    assert "0.0.9" in environment.version_problem(old) and "upgrade" in environment.version_problem(
        old
    )
    same = environment.Environment(python="/x/python", ok=True, landseg_version="0.1.0")
    assert environment.version_problem(same) == ""


def test_settings_come_from_the_environment_first(qgis_app, clean_settings, monkeypatch):
    from plugin import settings

    settings.set_value(settings.PYTHON, "/from/settings")
    assert settings.value(settings.PYTHON) == "/from/settings"
    monkeypatch.setenv("LANDSEG_PYTHON", "/from/env")
    assert settings.value(settings.PYTHON) == "/from/env"
    monkeypatch.setenv("LANDSEG_FINETUNE_EPOCHS", "7")
    assert settings.value(settings.FINETUNE_EPOCHS, 50, int) == 7


def test_the_log_holds_no_library_deprecation_notices(
    worker_python, small_scene, tmp_path, monkeypatch
):
    """Even where the host asks for every warning (PYTHONWARNINGS=default), rasterio's "Use `@`
    matmul" and the like stay out of the log that Processing shows."""
    from rasterio import open as open_raster

    monkeypatch.setenv("PYTHONWARNINGS", "default")
    with open_raster(small_scene.raster_path) as src:
        left, bottom, right, top = src.bounds
    bbox = (left + 20, bottom + 20, right - 20, top - 20)  # reads windows: rasterio's own `*`
    log: list[str] = []
    args = backend.segment_args(
        str(small_scene.raster_path), str(tmp_path / "out.gpkg"), bbox=bbox, device="cpu"
    )
    run_worker(worker_python, args, on_log=log.append)
    assert log and not [line for line in log if "matmul" in line or "Deprecat" in line]
