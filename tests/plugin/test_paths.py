"""Relative paths mean the caller's folder; the worker refuses them; output folders are made."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from plugin import paths
from plugin.worker import WorkerError, run_worker

REPO_ROOT = Path(__file__).resolve().parents[2]


def qgis_process(arguments: list[str], *, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    """``qgis_process.bin --json run ...`` with this checkout's plugin, started in ``cwd``."""
    plugins = home / "plugins"
    plugins.mkdir(exist_ok=True)
    if not (plugins / "landseg").exists():
        (plugins / "landseg").symlink_to(REPO_ROOT / "plugin")
    ini = home / "config" / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[PythonPlugins]\nlandseg=true\n")
    env = dict(
        os.environ,
        QGIS_PLUGINPATH=str(plugins),
        QGIS_CUSTOM_CONFIG_PATH=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    return subprocess.run(
        ["/usr/bin/qgis_process.bin", "--json", "run", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.slow
def test_readme_qgis_process_example_with_relative_paths(small_scene, tiny_model, tmp_path):
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    shutil.copy(small_scene.raster_path, work / "data" / "ortho.tif")
    done = qgis_process(
        [
            "landseg:segment",
            "--",
            "INPUT=data/ortho.tif",  # relative, as QGIS itself loads it
            f"MODEL={tiny_model}",
            "DEVICE=1",
            "OUTPUT=results/new/landcover.gpkg",  # relative, into folders that do not exist
        ],
        cwd=work,
        home=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout[done.stdout.index("{") :])["results"]
    expected = work / "results" / "new" / "landcover.gpkg"
    assert expected.is_file()
    assert results["OUTPUT"] == str(expected)
    assert results["TIME_S"] > 0


def test_the_worker_refuses_a_relative_path(worker_python, small_scene):
    with pytest.raises(WorkerError, match="relative path") as caught:
        run_worker(worker_python, ["segment", str(small_scene.raster_path), "-o", "out.gpkg"])
    assert caught.value.returncode == 2


def test_relative_paths_are_read_against_the_project_then_the_cwd(qgis_app, tmp_path, monkeypatch):
    from qgis.core import QgsProject

    project_dir, cwd = tmp_path / "project", tmp_path / "cwd"
    project_dir.mkdir()
    cwd.mkdir()
    (cwd / "only_here.tif").write_text("x")
    monkeypatch.chdir(cwd)
    QgsProject.instance().setFileName(str(project_dir / "p.qgz"))
    try:
        assert paths.absolute_input("only_here.tif") == str(cwd / "only_here.tif")
        assert paths.absolute_output("out.gpkg") == str(project_dir / "out.gpkg")
        assert paths.absolute_input("a.gpkg|layername=x") == f"{project_dir / 'a.gpkg'}|layername=x"
    finally:
        QgsProject.instance().clear()
    assert paths.absolute_output("sub/out.gpkg") == str(cwd / "sub" / "out.gpkg")
    for unchanged in ("/abs/x.tif", "https://host/x.tif", "<GDAL_WMS/>", "/vsicurl/x"):
        assert paths.absolute_input(unchanged) == unchanged


def test_output_folders_are_created_or_refused(tmp_path):
    paths.make_parent(str(tmp_path / "a" / "b" / "out.gpkg"))
    assert (tmp_path / "a" / "b").is_dir()
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ValueError, match="Cannot create the output folder"):
        paths.make_parent(str(tmp_path / "a_file" / "sub" / "out.json"))


def test_an_unwritable_output_folder_is_refused(tmp_path):
    """Also when the tests run as root, who may write anywhere: the check then runs in a child
    process that has given up root for the 'nobody' user."""
    import sys
    import tempfile

    locked = Path(tempfile.mkdtemp(dir="/tmp")) / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    locked.parent.chmod(0o755)
    # the child may not be able to enter this clone's folders: it gets its own copy of the
    # plugin package and the system interpreter, both readable by anyone
    shutil.copytree(Path(__file__).resolve().parents[2] / "plugin", locked.parent / "plugin")
    code = (
        "from plugin import paths\n"
        f"try:\n    paths.make_parent({str(locked / 'out.gpkg')!r})\n"
        "except ValueError as error:\n    print(error)\n"
    )
    as_nobody = (lambda: os.setuid(65534)) if os.geteuid() == 0 else None
    try:
        done = subprocess.run(
            [sys._base_executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=locked.parent,
            preexec_fn=as_nobody,
            check=True,
        )
    finally:
        shutil.rmtree(locked.parent, ignore_errors=True)
    assert "is not writable" in done.stdout, done.stdout + done.stderr
