#!/usr/bin/env python3
"""QGIS desktop as a person meets it: the real ``qgis`` application in a real X window (Xvfb),
the plugin installed from its zip into a fresh profile, driven with the mouse and keyboard
(``xdotool``): the LandSeg toolbar, its review button clicked, a review key typed at once, the
Segment button clicked. Writes what it saw as JSON and screenshots of the whole window.

Usage (from the repository root; needs Debian's ``xvfb`` and ``xdotool``)::

    .venv/bin/python scripts/desktop_session.py [--out DIR]

``tests/plugin/test_desktop_window.py`` runs it and checks the JSON; with ``--out
docs/screenshots`` it retakes the README's desktop screenshots.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = (1600, 1000)

# Runs inside QGIS (``qgis --code``): a chain of steps, each a moment after the one before, as
# a person would click and type; every step's findings go to report.json.
DRIVER = r"""
import json, os, subprocess, traceback
from pathlib import Path
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QToolBar
from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer
from qgis.utils import iface, plugins

OUT = Path(os.environ["LANDSEG_DESKTOP_OUT"])
report = {}

def xdotool(*args):
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)

def button_centre(action):
    for bar in iface.mainWindow().findChildren(QToolBar):
        button = bar.widgetForAction(action)
        if button is not None and button.isVisible():
            centre = button.mapToGlobal(button.rect().center())
            return [centre.x(), centre.y()]
    return None

def click(action):
    xdotool("mousemove", *button_centre(action), "click", 1)

def shot(name):
    QApplication.primaryScreen().grabWindow(0).save(str(OUT / name))

def landseg():
    return plugins["landseg_qgis"]

def open_project():
    iface.mainWindow().setGeometry(0, 0, SCREEN_W, SCREEN_H)  # no window manager places it
    raster = QgsRasterLayer(os.environ["LANDSEG_DESKTOP_RASTER"], "scene")
    layer = QgsVectorLayer(os.environ["LANDSEG_DESKTOP_LAYER"] + "|layername=landcover",
                           "landcover", "ogr")
    QgsProject.instance().addMapLayers([raster, layer])
    iface.setActiveLayer(layer)
    iface.mapCanvas().setExtent(raster.extent())
    actions = {"segment": landseg().segment_action, "finetune": landseg().finetune_action,
               "review": landseg().review_action}
    report["toolbar"] = {name: button_centre(a) is not None for name, a in actions.items()}
    report["toolbar_texts"] = {name: a.text() for name, a in actions.items()}
    click(landseg().review_action)

def type_review_key():
    panel = landseg().review_panel
    focus = QApplication.focusWidget()
    report["panel_opened"] = {
        "visible": bool(panel and panel.isVisible()),
        "keyboard_in_panel": bool(panel and focus and panel.isAncestorOf(focus)),
        "reviewed": panel.reviewed_count() if panel else None,
    }
    xdotool("key", "a")

def after_review_key():
    panel = landseg().review_panel
    report["after_key"] = {"reviewed": panel.reviewed_count(),
                           "progress": panel.progress_label.text()}
    shot("desktop_review.png")
    click(landseg().segment_action)

def look_at_segment_dialog():
    shown = [w for w in QApplication.topLevelWidgets()
             if w.isVisible() and type(w).__name__ == "SegmentDialog"]
    report["segment_dialog"] = {"shown": len(shown),
                                "review_option": bool(shown and shown[0].review_check.isVisible())}
    for dialog in shown:
        dialog.close()

STEPS = [(4000, open_project), (2500, type_review_key), (1500, after_review_key),
         (3000, look_at_segment_dialog)]

def run(k=0):
    if k == len(STEPS):
        (OUT / "report.json").write_text(json.dumps(report))
        os._exit(0)
    delay, step = STEPS[k]
    def go():
        try:
            step()
        except Exception:
            report["error"] = traceback.format_exc()
            (OUT / "report.json").write_text(json.dumps(report))
            os._exit(1)
        run(k + 1)
    QTimer.singleShot(delay, go)

run()
"""


def fresh_profile(profiles: Path, zip_path: Path) -> None:
    """A new QGIS profile holding the plugin from its zip, enabled, in English."""
    default = profiles / "profiles" / "default"
    plugins = default / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    (default / "QGIS").mkdir()
    (default / "QGIS" / "QGIS3.ini").write_text(
        "[PythonPlugins]\nlandseg_qgis=true\n\n[locale]\noverrideFlag=true\nuserLocale=en_US\n"
    )


def sample_project(folder: Path) -> tuple[Path, Path]:
    """A synthetic scene and a result layer of its polygons, with scores, to review."""
    import geopandas as gpd

    from landseg.io.synthetic import write_scene

    scene = write_scene(folder / "scene", size_px=512, seed=3)
    frame = gpd.read_file(scene.labels_path)
    frame["score"] = [0.5 + 0.05 * (i % 10) for i in range(len(frame))]
    layer = folder / "landcover.gpkg"
    frame.to_file(layer, layer="landcover", driver="GPKG")
    return Path(scene.raster_path), layer


def run_session(out: Path, work: Path, timeout_s: int = 120) -> dict:
    """Start QGIS under Xvfb in a fresh profile and drive it; what the driver reported."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_plugin_zip import build

    zip_path = build(work / "dist" / "landseg.zip")
    profiles = work / "profiles"
    fresh_profile(profiles, zip_path)
    raster, layer = sample_project(work)
    driver = work / "driver.py"
    driver.write_text(
        DRIVER.replace("SCREEN_W", str(SCREEN[0])).replace("SCREEN_H", str(SCREEN[1]))
    )
    out.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        LANDSEG_DESKTOP_OUT=str(out),
        LANDSEG_DESKTOP_RASTER=str(raster),
        LANDSEG_DESKTOP_LAYER=str(layer),
        LANDSEG_PYTHON=str(ROOT / ".venv" / "bin" / "python"),
        HOME=str(work),  # nothing of the user's QGIS or caches is read or changed
    )
    for name in ("QT_QPA_PLATFORM", "QT_QPA_PLATFORM_PLUGIN_PATH"):
        env.pop(name, None)
    command = [
        "xvfb-run",
        "--auto-servernum",
        "--server-args",
        f"-screen 0 {SCREEN[0]}x{SCREEN[1]}x24",
        "qgis",
        "--profiles-path",
        str(profiles),
        "--nologo",
        "--noversioncheck",
        "--code",
        str(driver),
    ]
    done = subprocess.run(
        command, env=env, cwd=work, capture_output=True, text=True, timeout=timeout_s
    )
    report_path = out / "report.json"
    if not report_path.exists():
        ended = f"QGIS ended ({done.returncode}) without a report"
        raise RuntimeError(f"{ended}:\n{done.stderr[-3000:]}")
    report = json.loads(report_path.read_text())
    report_path.unlink()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not (shutil.which("xvfb-run") and shutil.which("xdotool")):
        sys.exit("desktop_session: needs Debian's xvfb and xdotool (apt-get install xvfb xdotool)")
    with tempfile.TemporaryDirectory() as work:
        print(json.dumps(run_session(args.out.absolute(), Path(work)), indent=2))


if __name__ == "__main__":
    main()
