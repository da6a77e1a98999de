#!/usr/bin/env python3
"""Render the plugin's dialogs (English and Japanese) and a segmented map to docs/screenshots/.

Usage (from the repository root, in the project's .venv)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_screenshots.py [--model PATH]

Runs real headless QGIS with the plugin loaded, on a synthetic scene (``landseg.io.synthetic``):
the segmentation dialog, the fine-tuning dialog and the settings dialog are grabbed with
``QWidget.grab()``; then a toolbar segmentation task runs with the model (default: the
shipped model) and the raster plus the result layer are rendered with
``QgsMapRendererSequentialJob``, with a legend of instances per class.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "docs" / "screenshots"
PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"


def start_qgis(settings_dir: str):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    sys.path[:0] = [str(ROOT)]
    sys.path.append(PROCESSING_PLUGINS)
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QSettings

    app = QgsApplication([], True)
    app.initQgis()
    # QgsApplication points QSettings at the user's profile: keep this run's settings apart.
    for settings_format in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(settings_format, QSettings.UserScope, settings_dir)
    from qgis.PyQt.QtGui import QFont

    app.setFont(QFont("Noto Sans CJK JP", 9))  # renders both English and Japanese
    return app


def grab(widget, path: Path, *, adjust: bool = True) -> Path:
    from qgis.PyQt.QtCore import QCoreApplication

    if adjust:
        widget.adjustSize()
    widget.show()
    for _ in range(5):
        QCoreApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def render_map(raster, result, counts: dict, path: Path, size_px: int = 800) -> Path:
    """The raster with the result layer on top, and a legend of instances per class."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QRectF, QSize, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QPainter

    settings = QgsMapSettings()
    settings.setLayers([result, raster])
    settings.setDestinationCrs(raster.crs())
    settings.setExtent(raster.extent())
    settings.setOutputSize(QSize(size_px, size_px))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()

    colours = {c.value(): c.symbol().color() for c in result.renderer().categories()}
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setFont(QFont("Noto Sans CJK JP", 11))
    row_h, pad = 24, 10
    box = QRectF(pad, pad, 230, pad * 2 + row_h * (len(colours) + 1))
    painter.fillRect(box, QColor(255, 255, 255, 220))
    painter.setPen(Qt.black)
    painter.drawText(
        QRectF(box.x() + pad, box.y() + pad, 210, row_h),
        Qt.AlignVCenter,
        f"LandSeg: {sum(counts.values())} polygons",
    )
    for i, (name, colour) in enumerate(colours.items(), start=1):
        y = box.y() + pad + i * row_h
        painter.fillRect(QRectF(box.x() + pad, y + 5, 16, 14), colour)
        painter.drawText(
            QRectF(box.x() + pad + 24, y, 190, row_h),
            Qt.AlignVCenter,
            f"{name}: {counts.get(name, 0)}",
        )
    painter.end()
    image.save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="", help="model to segment with (default: shipped)")
    parser.add_argument("--size", type=int, default=1024, help="synthetic scene size in pixels")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--conf", type=float, default=0.25)
    parser.add_argument("-o", "--output-dir", type=Path, default=OUT_DIR)
    options = parser.parse_args(argv)
    out_dir = options.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="landseg-screenshots-"))
    app = start_qgis(str(work / "settings"))

    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

    import plugin
    from landseg.io.synthetic import write_scene
    from plugin import settings
    from tests.plugin.harness import IfaceHarness, wait_until

    scene = write_scene(work / "scene", size_px=options.size, seed=options.seed)
    raster = QgsRasterLayer(str(scene.raster_path), "orthophoto")
    labels = QgsVectorLayer(str(scene.labels_path), "my labels", "ogr")
    QgsProject.instance().addMapLayers([raster, labels])
    iface = IfaceHarness()
    iface.window.resize(1100, 120)
    iface.setActiveLayer(raster)
    instance = plugin.classFactory(iface)
    instance.initGui()
    if options.model:
        settings.set_value(settings.MODEL, str(Path(options.model).absolute()))

    for language in ("en", "ja"):
        if language == "ja":
            instance.translator.install("ja")
        else:
            instance.translator.remove()
        dialog = instance.show_segment_dialog()
        wait_until(lambda d=dialog: d.model_info is not None or d.model_error, 120)
        grab(dialog, out_dir / f"segment_dialog_{language}.png")
        dialog.close()
        dialog = instance.show_finetune_dialog()
        wait_until(lambda d=dialog: d.model_info is not None or d.model_error, 120)
        dialog.folder_widget.setFilePath(str(Path.home() / "landseg-runs" / "finetune-demo"))
        grab(dialog, out_dir / f"finetune_dialog_{language}.png")
        dialog.close()
        dialog = instance.show_settings_dialog()
        grab(dialog, out_dir / f"settings_dialog_{language}.png")
        dialog.close()
    instance.translator.remove()

    dialog = instance.show_segment_dialog()
    wait_until(lambda: dialog.model_info is not None or dialog.model_error, 120)
    dialog.conf_spin.setValue(options.conf)
    dialog.output_widget.setFilePath(str(work / "landcover.gpkg"))
    dialog.accept()
    task = instance.tasks[-1]
    if not wait_until(lambda: task.done, 1800) or not task.succeeded:
        error = task.outcome.error
        print(f"segmentation failed: {error.message if error else 'timeout'}", file=sys.stderr)
        return 1
    iface.window.resize(1100, 120)
    grab(iface.window, out_dir / "message_bar_result.png", adjust=False)
    render_map(
        raster, instance.last_layer, instance.last_result["counts"], out_dir / "result_map.png"
    )
    instance.unload()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
