"""From the zip to a working backend: Settings ▸ Install in real headless QGIS, fresh profile.

How the heavy dependencies are provided without downloading GBs: the installer makes its venv
with ``--system-site-packages`` (as the project's own ``.venv``), and such a venv also reads the
*user* site-packages. The test points ``PYTHONUSERBASE`` at a folder whose ``.pth`` adds a view
of the checkout's ``.venv`` site-packages (symlinks, without LandSeg itself and pip), so pip finds
torch, ultralytics and the other pins already satisfied. The wheelhouse holds the bundled
``landseg`` wheel and a setuptools wheel repacked from the checkout's venv (torch needs
setuptools>=77, newer than the one ``venv`` puts in, which would hide the view's); pip runs with
``--no-index``: nothing is downloaded, and LandSeg comes from the wheel. Without the view the
same offline install fails, which tests the clean-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pyogrio
import pytest

from tests.plugin.repo_scripts import load_script

SCRIPT = r"""
import json, os, sys, time
plugins, settings_dir, wheelhouse, user_base, raster, out = sys.argv[1:7]
sys.path.insert(0, plugins)
sys.path.append("/usr/share/qgis/python/plugins")
from qgis.PyQt.QtCore import QCoreApplication, QSettings
from qgis.core import QgsApplication, QgsSettings
app = QgsApplication([], True)
app.initQgis()
for settings_format in (QSettings.NativeFormat, QSettings.IniFormat):
    QSettings.setPath(settings_format, QSettings.UserScope, settings_dir)
from processing.core.Processing import Processing
Processing.initialize()
import qgis.utils, processing
qgis.utils.plugin_paths = [plugins]
qgis.utils.updateAvailablePlugins()
assert qgis.utils.loadPlugin("landseg_qgis") and qgis.utils.startProcessingPlugin("landseg_qgis")
from landseg_qgis import environment
from landseg_qgis.settings_dialog import SettingsDialog
report = {"before": environment.current(use_cache=False) is None}

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QMessageBox
report["questions"] = []

def answer_yes():  # the user reads how much is installed where, and agrees
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            report["questions"].append(widget.text())
            widget.button(QMessageBox.Yes).click()

user = QTimer()
user.timeout.connect(answer_yes)
user.start(100)

def install():
    dialog = SettingsDialog()
    dialog.wheelhouse_widget.setFilePath(wheelhouse)
    running = dialog.install()
    deadline = time.monotonic() + 600
    while running.succeeded is None and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.05)
    return running

failed = install()  # no dependencies anywhere: the offline install must fail cleanly
report["failed"] = failed.succeeded is False
report["advice"] = failed.status.text()
report["env_removed"] = not failed.plan.env_dir.exists()
os.environ["PYTHONUSERBASE"] = user_base  # now the heavy pins are satisfied (see the test)
done = install()
report["succeeded"] = done.succeeded
report["log"] = done.task.lines[-30:]
env = environment.current(use_cache=False)
report["env"] = env and {"python": env.python, "source": env.source, "version": env.landseg_version}
print(json.dumps(report), flush=True)  # what the install did, should the segmentation fail
result = processing.run("landseg:segment", {"INPUT": raster, "DEVICE": 1, "OUTPUT": out})
report["instances"] = result["INSTANCES"]
print(json.dumps(report))
qgis.utils.unloadPlugin("landseg_qgis")
app.exitQgis()
"""

SKIPPED = ("pip", "landseg", "__editable__", "__pycache__", "_distutils_hack")


def dependency_view(folder: Path) -> Path:
    """Symlinks to the checkout venv's packages, except LandSeg itself and pip; its user base."""
    site = Path(sysconfig.get_paths()["purelib"])
    view = folder / "view"
    view.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name.startswith(SKIPPED) or entry.suffix == ".pth":
            continue
        (view / entry.name).symlink_to(entry)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    user_site = folder / "userbase" / "lib" / version / "site-packages"
    user_site.mkdir(parents=True)
    (user_site / "landseg-test-dependencies.pth").write_text(f"{view}\n")
    return folder / "userbase"


def repack_wheel(name: str, folder: Path) -> Path:
    """An installed distribution of the checkout's venv as a wheel (its RECORD lists its files)."""
    site = Path(sysconfig.get_paths()["purelib"])
    (dist_info,) = site.glob(f"{name}-*.dist-info")
    version = dist_info.name[len(name) + 1 : -len(".dist-info")]
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for row in (dist_info / "RECORD").read_text().splitlines():
            path = row.split(",")[0]
            if path and not path.startswith("..") and (site / path).is_file():
                archive.write(site / path, path)
    return wheel


@pytest.mark.slow
def test_install_from_the_zip_then_segment(small_scene, tmp_path):
    zip_path = load_script("build_plugin_zip").build(tmp_path / "dist" / "landseg.zip")
    plugins = tmp_path / "profile" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    wheelhouse = tmp_path / "wheelhouse"
    shutil.copytree(plugins / "landseg_qgis" / "wheels", wheelhouse)
    repack_wheel("setuptools", wheelhouse)
    user_base = dependency_view(tmp_path / "deps")
    (tmp_path / "settings").mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LANDSEG_", "VIRTUAL_ENV", "PYTHON", "QT_QPA_PLATFORM_PLUGIN"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "data"),  # ~/.local/share of this fresh user
        PATH="/usr/bin:/bin",  # no other Python with LandSeg on PATH
    )
    out = tmp_path / "out" / "landcover.gpkg"
    done = subprocess.run(
        ["/usr/bin/python3", "-c", SCRIPT, str(plugins), str(tmp_path / "settings"),
         str(wheelhouse), str(user_base), str(small_scene.raster_path), str(out)],
        capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["before"], "an environment was found before installing"
    assert report["failed"] and report["env_removed"]
    assert len(report["questions"]) == 2  # asked before each install, with size and folder
    assert all("1.0 GB" in q and "wheelhouse" in q for q in report["questions"])  # the core
    assert "wheelhouse" in report["advice"]
    assert report["succeeded"], report["log"]
    venv = tmp_path / "data" / "landseg" / "venv"
    assert report["env"] == {
        "python": str(venv / "bin" / "python"),
        "source": "user environment",
        "version": "0.1.0",
    }
    installed = list((venv / "lib").glob("python3*/site-packages/landseg/__init__.py"))
    assert installed, "landseg comes from the bundled wheel, inside the new environment"
    assert report["instances"] == pyogrio.read_info(out, layer="landcover")["features"]
