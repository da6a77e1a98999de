"""From the zip to a working backend in real headless QGIS, fresh profile: Settings ▸ Install
builds the core and segments; the fine-tune dialog's offer adds the training support, which
then trains one epoch.

How the heavy dependencies are provided without downloading GBs: the installer makes its venv
with ``--system-site-packages`` (as the project's own ``.venv``), and such a venv also reads the
*user* site-packages. The test points ``PYTHONUSERBASE`` at a folder whose ``.pth`` adds a view
of the checkout's ``.venv`` site-packages (symlinks, without LandSeg itself and pip), so pip finds
the pins already satisfied: for the core a view without the training extra's packages (PyTorch
cannot be imported there), for the training step the whole venv. The wheelhouse holds the bundled
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
stage, plugins, settings_dir, wheelhouse, core_base, full_base, raster, labels, out = sys.argv[1:10]
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

def finished(running):
    deadline = time.monotonic() + 600
    while running.succeeded is None and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.05)
    return running

def install():
    dialog = SettingsDialog()
    dialog.wheelhouse_widget.setFilePath(wheelhouse)
    return finished(dialog.install())

failed = install()  # no dependencies anywhere: the offline install must fail cleanly
report["failed"] = failed.succeeded is False
report["advice"] = failed.status.text()
report["env_removed"] = not failed.plan.env_dir.exists()
os.environ["PYTHONUSERBASE"] = core_base  # now the core's pins are satisfied (see the test)
done = install()
report["succeeded"] = done.succeeded
report["log"] = done.task.lines[-30:]
env = environment.current(use_cache=False)
report["env"] = env and {"python": env.python, "source": env.source, "version": env.landseg_version}
report["training_before"] = env.training
print(json.dumps(report), flush=True)  # what the install did, should the segmentation fail
result = processing.run("landseg:segment", {"INPUT": raster, "DEVICE": 1, "OUTPUT": out})
report["instances"] = result["INSTANCES"]
if stage == "training":  # the fine-tune dialog's offer, then one epoch
    dataset = os.path.join(os.path.dirname(out), "dataset")
    processing.run("landseg:export_dataset", {
        "RASTERS": [raster], "LABELS": labels, "CLASS_FIELD": "class",
        "CLASSES": "roof,farm,rice-fields,Baren-Land", "TILE_SIZE": 128, "OVERLAP": 16,
        "OUTPUT": dataset})
    train = {"DATA": dataset, "EPOCHS": 1, "BATCH": 4, "DEVICE": 1,
             "OUTPUT": os.path.join(os.path.dirname(out), "run")}
    try:
        processing.run("landseg:train", train)
    except Exception as refused:
        report["refused"] = str(refused)
    from landseg_qgis.finetune_dialog import FineTuneDialog
    dialog = FineTuneDialog(None)
    report["offered"] = not dialog.training_button.isHidden()
    os.environ["PYTHONUSERBASE"] = full_base  # PyTorch and ultralytics for pip to find
    running = finished(dialog.install_training())
    report["training_installed"] = running.succeeded
    report["training_log"] = running.task.lines[-30:]
    report["training_after"] = environment.current(use_cache=False).training
    report["offered_after"] = not dialog.training_button.isHidden()
    report["model"] = processing.run("landseg:train", train)["MODEL"]
print(json.dumps(report))
qgis.utils.unloadPlugin("landseg_qgis")
app.exitQgis()
"""

SKIPPED = ("pip", "landseg", "__editable__", "__pycache__", "_distutils_hack")
TRAINING_ONLY = ("torch", "functorch", "ultralytics", "thop", "nvidia", "triton", "cuda")


def training_only(name: str) -> bool:
    """Whether the checkout venv's entry ``name`` belongs to the training extra."""
    stem = name.split("-")[0]
    return stem.startswith(TRAINING_ONLY) or stem in ("onnx", "onnxslim")


def dependency_view(folder: Path, *, training: bool) -> Path:
    """Symlinks to the checkout venv's packages, except LandSeg itself and pip (and, without
    ``training``, the training extra's); its user base."""
    site = Path(sysconfig.get_paths()["purelib"])
    view = folder / "view"
    view.mkdir(parents=True)
    for entry in site.iterdir():
        if entry.name.startswith(SKIPPED) or entry.suffix == ".pth":
            continue
        if training or not training_only(entry.name):
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


@pytest.fixture(scope="module")
def from_the_zip(tmp_path_factory) -> dict[str, Path]:
    """The plugin zip unpacked into a fresh profile, its wheelhouse, the two dependency views."""
    folder = tmp_path_factory.mktemp("from_the_zip")
    zip_path = load_script("build_plugin_zip").build(folder / "dist" / "landseg.zip")
    plugins = folder / "profile" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    wheelhouse = folder / "wheelhouse"
    shutil.copytree(plugins / "landseg_qgis" / "wheels", wheelhouse)
    repack_wheel("setuptools", wheelhouse)
    return {
        "plugins": plugins,
        "wheelhouse": wheelhouse,
        "core": dependency_view(folder / "core-deps", training=False),
        "full": dependency_view(folder / "full-deps", training=True),
    }


def run_in_qgis(stage: str, setup: dict[str, Path], scene, folder: Path) -> dict:
    """The script above in a fresh QGIS user (its own settings and data folders); its report."""
    (folder / "settings").mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LANDSEG_", "VIRTUAL_ENV", "PYTHON", "QT_QPA_PLATFORM_PLUGIN"))
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(folder / "data"),  # ~/.local/share of this fresh user
        PATH="/usr/bin:/bin",  # no other Python with LandSeg on PATH
    )
    out = folder / "out" / "landcover.gpkg"
    done = subprocess.run(
        ["/usr/bin/python3", "-c", SCRIPT, stage, str(setup["plugins"]), str(folder / "settings"),
         str(setup["wheelhouse"]), str(setup["core"]), str(setup["full"]),
         str(scene.raster_path), str(scene.labels_path), str(out)],
        capture_output=True, text=True, env=env, timeout=900, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["before"], "an environment was found before installing"
    assert report["failed"] and report["env_removed"]
    assert report["succeeded"], report["log"]
    assert report["instances"] == pyogrio.read_info(out, layer="landcover")["features"]
    return report


@pytest.mark.slow
def test_install_from_the_zip_then_segment(from_the_zip, small_scene, tmp_path):
    from plugin import installer  # the code the zip holds, and the sizes the user is told

    report = run_in_qgis("core", from_the_zip, small_scene, tmp_path)
    assert len(report["questions"]) == 2  # asked before each install, with size and folder
    core_size = f"{installer.CORE_SIZE_GB:.1f} GB"
    assert all(core_size in q and "wheelhouse" in q for q in report["questions"])
    assert "wheelhouse" in report["advice"]
    venv = tmp_path / "data" / "landseg" / "venv"
    assert report["env"] == {
        "python": str(venv / "bin" / "python"),
        "source": "user environment",
        "version": "0.1.0",
    }
    installed = list((venv / "lib").glob("python3*/site-packages/landseg/__init__.py"))
    assert installed, "landseg comes from the bundled wheel, inside the new environment"
    assert report["training_before"] is False  # the core: no PyTorch, nothing to train with


@pytest.mark.slow
def test_the_fine_tune_dialog_adds_training_support_then_trains(
    from_the_zip, small_scene, tmp_path
):
    from plugin import installer

    report = run_in_qgis("training", from_the_zip, small_scene, tmp_path)
    assert report["training_before"] is False
    assert "landseg[train]" in report["refused"]  # the core names the extra it lacks
    assert report["offered"], "the fine-tune dialog offers the training support"
    training_size = f"{installer.TRAINING_SIZE_GB:.1f} GB"
    assert training_size in report["questions"][-1]  # asked first, with its size
    assert report["training_installed"], report["training_log"]
    assert report["training_after"] and not report["offered_after"]
    assert Path(report["model"]).is_file()
