#!/usr/bin/env python3
"""Render the review panel (English and Japanese) beside a map to docs/screenshots/.

Usage (from the repository root, in the project's .venv)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_review_screenshots.py

As ``make_screenshots.py`` does, in real headless QGIS: a synthetic scene, its polygons as a
``landcover`` layer with made-up scores and review priorities (no model runs), the review
panel docked beside a map canvas after a few decisions, grabbed with ``QWidget.grab()``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from make_screenshots import OUT_DIR, grab, start_qgis


def write_landcover(scene, path: Path, seed: int) -> Path:
    """The scene's labels with ``score`` and ``review_priority``, as a model result would be."""
    import geopandas as gpd

    frame = gpd.read_file(scene.labels_path)
    rng = random.Random(seed)
    frame["score"] = [round(rng.uniform(0.3, 0.99), 2) for _ in range(len(frame))]
    frame["review_priority"] = [round(1.0 - s + rng.uniform(-0.1, 0.1), 2) for s in frame.score]
    frame.to_file(path, layer="landcover", driver="GPKG")
    return path


def map_window(iface, raster, layer):
    """The harness window with a map canvas showing ``layer`` over ``raster``."""
    from qgis.core import QgsFillSymbol, QgsSingleSymbolRenderer
    from qgis.gui import QgsMapCanvas

    symbol = QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "outline_color": "#e53935", "outline_width": "0.6"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    canvas = QgsMapCanvas(iface.window)
    canvas.setDestinationCrs(raster.crs())
    canvas.setLayers([layer, raster])
    canvas.setExtent(raster.extent())
    iface.window.centralWidget().layout().addWidget(canvas, 1)
    iface.canvas = canvas
    iface.window.resize(1280, 860)
    return canvas


def review_some(panel, decisions: str) -> None:
    """Make decisions as keys would: a accept, r reject, a digit a class."""
    for key in decisions:
        if key == "a":
            panel.accept()
        elif key == "r":
            panel.reject()
        else:
            panel.reclassify(int(key))


def shoot(iface, layer, language: str, out_dir: Path) -> None:
    from qgis.PyQt.QtCore import Qt

    from plugin.review_panel import ReviewPanel
    from tests.plugin.harness import wait_until

    panel = ReviewPanel(iface, None, iface.window)
    panel.setMinimumWidth(380)
    iface.addDockWidget(Qt.RightDockWidgetArea, panel)
    panel.set_layer(layer)
    if language == "en":
        review_some(panel, "ara2")
    panel.go_to(panel.index)  # zoom once more now the window has its size
    iface.window.show()
    wait_until(lambda: not iface.canvas.isDrawing(), 30, 0.2)
    wait_until(lambda: False, 1.0)  # let the canvas paint what it rendered
    grab(iface.window, out_dir / f"review_panel_{language}.png", adjust=False)
    iface.removeDockWidget(panel)
    panel.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output-dir", type=Path, default=OUT_DIR)
    options = parser.parse_args(argv)
    options.output_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="landseg-review-screenshots-"))
    app = start_qgis(str(work / "settings"))

    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

    from landseg.io.synthetic import write_scene
    from plugin.translation import Translator
    from tests.plugin.harness import IfaceHarness

    scene = write_scene(work / "scene", size_px=1024, seed=options.seed)
    path = write_landcover(scene, work / "result.gpkg", options.seed)
    raster = QgsRasterLayer(str(scene.raster_path), "ortho")
    layer = QgsVectorLayer(f"{path}|layername=landcover", "landcover", "ogr")
    QgsProject.instance().addMapLayers([raster, layer])
    iface = IfaceHarness()
    map_window(iface, raster, layer)
    translator = Translator()
    for language in ("en", "ja"):
        if language == "ja":
            translator.install("ja")
        shoot(iface, layer, language, options.output_dir)
    translator.remove()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
