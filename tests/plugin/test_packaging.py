"""The plugin zip installs into a fresh QGIS profile and loads there, in English and Japanese."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

from tests.plugin.repo_scripts import REPO_ROOT, load_script

QGIS_PYTHON = "/usr/bin/python3"  # QGIS's own interpreter: it cannot import the backend

LOAD_SCRIPT = r"""
import json, sys
plugins, settings_dir, locale = sys.argv[1:4]
sys.path.insert(0, plugins)
from qgis.PyQt.QtCore import QSettings
from qgis.core import QgsApplication, QgsSettings
app = QgsApplication([], False)
app.initQgis()
for settings_format in (QSettings.NativeFormat, QSettings.IniFormat):
    QSettings.setPath(settings_format, QSettings.UserScope, settings_dir)
assert QgsSettings().fileName().startswith(settings_dir)
QgsSettings().setValue("locale/userLocale", locale)
import qgis.utils
qgis.utils.plugin_paths = [plugins]
qgis.utils.updateAvailablePlugins()
loaded = qgis.utils.loadPlugin("landseg_qgis") and qgis.utils.startProcessingPlugin("landseg_qgis")
module = sys.modules["landseg_qgis"]
provider = QgsApplication.processingRegistry().providerById("landseg")
segment = QgsApplication.processingRegistry().algorithmById("landseg:segment")
print(json.dumps({
    "loaded": bool(loaded),
    "available": "landseg_qgis" in qgis.utils.available_plugins,
    "module_file": module.__file__,
    "backend_imported": any(n in ("torch", "ultralytics", "rasterio") for n in sys.modules),
    "algorithms": sorted(a.id() for a in provider.algorithms()),
    "segment_name": segment.displayName(),
    "language": qgis.utils.plugins["landseg_qgis"].translator.language,
}))
app.exitQgis()
"""


def install_and_load(zip_path: Path, profile: Path, locale: str) -> dict:
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    settings_dir = profile / "settings"
    settings_dir.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    done = subprocess.run(
        [QGIS_PYTHON, "-c", LOAD_SCRIPT, str(plugins), str(settings_dir), locale],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=profile,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_zip_contents(tmp_path):
    path = load_script("build_plugin_zip").build(tmp_path / "landseg.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        metadata = archive.read("landseg_qgis/metadata.txt").decode()
    for name in (
        "landseg_qgis/__init__.py",
        "landseg_qgis/landseg_plugin.py",
        "landseg_qgis/processing/provider.py",
        "landseg_qgis/processing/segment.py",
        "landseg_qgis/worker.py",
        "landseg_qgis/icon.svg",
        "landseg_qgis/i18n/landseg_ja.qm",
        "landseg_qgis/LICENSE",
        "landseg_qgis/wheels/landseg-0.1.0-py3-none-any.whl",  # what Install puts in a venv
    ):
        assert name in names, name
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert metadata == (REPO_ROOT / "metadata.txt").read_text()


def test_zip_installs_and_loads_in_a_fresh_profile(tmp_path):
    zip_path = load_script("build_plugin_zip").build(tmp_path / "dist" / "landseg.zip")
    english = install_and_load(zip_path, tmp_path / "profile_en", "en_US")
    assert english["available"] and english["loaded"]
    assert "/profile_en/profiles/default/python/plugins/landseg_qgis/" in english["module_file"]
    assert not english["backend_imported"]  # torch & co. stay out of QGIS's process
    assert english["algorithms"] == [
        "landseg:evaluate",
        "landseg:export_dataset",
        "landseg:report",
        "landseg:segment",
        "landseg:train",
    ]
    assert english["segment_name"] == "Segment land cover"
    assert english["language"] == "en"

    japanese = install_and_load(zip_path, tmp_path / "profile_ja", "ja_JP")
    assert japanese["loaded"] and japanese["language"] == "ja"
    assert japanese["segment_name"] == "土地被覆のセグメンテーション"
