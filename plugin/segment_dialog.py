"""Toolbar dialog: segment a raster layer into styled land-cover polygons."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qgis.core import QgsMapLayerProxyModel, QgsRasterLayer
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox, QgsMessageBar
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from . import backend, environment, settings
from .layers import raster_path
from .model_info import ModelInfoLoader
from .translation import tr

MODEL_FILTER = "Models (*.pt *.onnx)"


@dataclass
class SegmentRequest:
    """Everything the segmentation task needs, as plain values."""

    python: str
    raster: str
    layer_name: str
    output: str
    temporary_output: bool
    args: list[str]


def device_label(device: str, info: dict | None) -> str:
    if device == "auto":
        if info and info.get("device_name"):
            return tr("auto (detected: {device})").format(device=info["device_name"])
        return tr("auto (detecting…)")
    return {"cpu": tr("CPU"), "cuda": tr("CUDA GPU")}[device]


def describe_model(info: dict) -> str:
    return tr("Classes: {classes}\nTile {tile} px, overlap {overlap} px").format(
        classes=", ".join(info.get("class_names", [])),
        tile=info.get("tile_size_px", "?"),
        overlap=info.get("overlap_px", "?"),
    )


def initial_model() -> str:
    """The model to preselect: last used, else the one made default, else '' (shipped)."""
    for key in (settings.MODEL, settings.DEFAULT_MODEL):
        path = str(settings.value(key, "") or "")
        if path and Path(path).is_file():
            return path
    return ""


class SegmentDialog(QDialog):
    """Raster, model (with its metadata), confidence, tiling, device, cleaning, output."""

    def __init__(self, iface, parent=None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle(tr("LandSeg — Segment land cover"))
        self.setMinimumWidth(600)
        self.env = environment.current()
        self.model_info: dict | None = None
        self.model_error = ""
        self.request: SegmentRequest | None = None
        self._programmatic = False
        self.loader = ModelInfoLoader(self)
        self.loader.loaded.connect(self._model_loaded)
        self.loader.failed.connect(self._model_failed)
        self._build()
        self._restore()
        self.check_environment()
        self.request_model_info()

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.bar = QgsMessageBar(self)
        layout.addWidget(self.bar)
        form = QFormLayout()
        layout.addLayout(form)

        self.raster_combo = QgsMapLayerComboBox(self)
        self.raster_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        active = self.iface.activeLayer() if self.iface is not None else None
        if isinstance(active, QgsRasterLayer):
            self.raster_combo.setLayer(active)
        form.addRow(tr("Raster layer"), self.raster_combo)

        self.model_widget = QgsFileWidget(self)
        self.model_widget.setStorageMode(QgsFileWidget.GetFile)
        self.model_widget.setFilter(MODEL_FILTER)
        self.model_widget.lineEdit().setPlaceholderText(tr("[Default model]"))
        self.model_widget.fileChanged.connect(self._model_changed)
        form.addRow(tr("Model"), self.model_widget)
        self.model_label = QLabel(tr("Reading the model…"), self)
        form.addRow("", self.model_label)

        self.conf_spin = QDoubleSpinBox(self)
        self.conf_spin.setRange(0.01, 1.0)
        self.conf_spin.setSingleStep(0.05)
        self.conf_spin.setDecimals(2)
        form.addRow(tr("Minimum confidence"), self.conf_spin)

        self.tile_spin = QSpinBox(self)
        self.tile_spin.setRange(32, 8192)
        self.tile_spin.setSingleStep(32)
        self.tile_spin.setSuffix(" px")
        form.addRow(tr("Tile size"), self.tile_spin)
        self.overlap_spin = QSpinBox(self)
        self.overlap_spin.setRange(0, 4096)
        self.overlap_spin.setSingleStep(8)
        self.overlap_spin.setSuffix(" px")
        form.addRow(tr("Tile overlap"), self.overlap_spin)

        self.device_combo = QComboBox(self)
        for device in settings.DEVICES:
            self.device_combo.addItem(device_label(device, None), device)
        form.addRow(tr("Device"), self.device_combo)

        self.min_area_spin = QDoubleSpinBox(self)
        self.min_area_spin.setRange(0.0, 1e9)
        self.min_area_spin.setDecimals(2)
        self.min_area_spin.setSuffix(" m²")
        form.addRow(tr("Minimum polygon area"), self.min_area_spin)
        self.simplify_spin = QDoubleSpinBox(self)
        self.simplify_spin.setRange(0.0, 1000.0)
        self.simplify_spin.setDecimals(2)
        self.simplify_spin.setSingleStep(0.25)
        self.simplify_spin.setSuffix(" m")
        self.simplify_spin.setSpecialValueText(tr("one pixel"))
        form.addRow(tr("Simplification"), self.simplify_spin)

        self.output_widget = QgsFileWidget(self)
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("GeoPackage (*.gpkg)")
        self.output_widget.setConfirmOverwrite(False)  # validated below, with its own checkbox
        self.output_widget.lineEdit().setPlaceholderText(tr("[Save to temporary file]"))
        form.addRow(tr("Output GeoPackage"), self.output_widget)
        self.overwrite_check = QCheckBox(tr("Overwrite an existing file"), self)
        form.addRow("", self.overwrite_check)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.run_button = self.buttons.addButton(tr("Segment"), QDialogButtonBox.AcceptRole)
        self.run_button.setDefault(True)
        self.settings_button = QPushButton(tr("Settings…"), self)
        self.buttons.addButton(self.settings_button, QDialogButtonBox.ResetRole)
        self.settings_button.clicked.connect(self.open_settings)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _restore(self) -> None:
        self._programmatic = True
        self.model_widget.setFilePath(initial_model())
        self._programmatic = False
        self.conf_spin.setValue(settings.value(settings.CONFIDENCE, 0.25, float))
        self.tile_spin.setValue(settings.value(settings.TILE_SIZE, 512, int))
        self.overlap_spin.setValue(settings.value(settings.OVERLAP, 64, int))
        device = settings.value(settings.DEVICE, "auto", str)
        index = self.device_combo.findData(device)
        self.device_combo.setCurrentIndex(max(index, 0))
        self.min_area_spin.setValue(settings.value(settings.MIN_AREA, 1.0, float))
        self.simplify_spin.setValue(settings.value(settings.SIMPLIFY, 0.0, float))

    # --- environment and model ------------------------------------------------------------
    def check_environment(self) -> None:
        if self.env is None:
            self.bar.pushWarning(
                tr("LandSeg environment missing"),
                environment.missing_message(environment.configured_python() or None),
            )

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        if dialog.exec_():
            self.env = environment.current()
            self.bar.clearWidgets()
            self.check_environment()
            self.request_model_info()

    def model_path(self) -> str:
        return self.model_widget.filePath().strip()

    def _model_changed(self, _path: str) -> None:
        if not self._programmatic:
            self.request_model_info()

    def request_model_info(self) -> None:
        self.model_info, self.model_error = None, ""
        if self.env is None:
            self.model_label.setText(tr("The model's metadata needs the LandSeg environment."))
            return
        model = self.model_path()
        if model and not Path(model).is_file():
            self.model_label.setText(tr("This file does not exist."))
            return
        self.model_label.setText(tr("Reading the model…"))
        self.loader.request(self.env.python, model, "auto")

    def _model_loaded(self, model: str, info: dict) -> None:
        self.model_info, self.model_error = info, ""
        if not model and info.get("path"):
            self._programmatic = True
            self.model_widget.setFilePath(info["path"])
            self._programmatic = False
        self.model_label.setText(describe_model(info))
        current = self.model_path()
        if settings.value(settings.TILE_MODEL, "") == current and current:
            self.tile_spin.setValue(settings.value(settings.TILE_SIZE, 512, int))
            self.overlap_spin.setValue(settings.value(settings.OVERLAP, 64, int))
        else:
            self.tile_spin.setValue(int(info.get("tile_size_px") or 512))
            self.overlap_spin.setValue(int(info.get("overlap_px") or 0))
        self.device_combo.setItemText(0, device_label("auto", info))

    def _model_failed(self, model: str, message: str, details: str) -> None:
        self.model_info, self.model_error = None, message
        self.model_label.setText(
            tr("The model could not be read: {message}").format(message=message)
        )

    # --- validation and request -------------------------------------------------------------
    def output_path(self) -> str:
        return self.output_widget.filePath().strip()

    def validate(self) -> list[str]:
        """Problems that stop a run, as messages saying what to do."""
        errors = []
        if self.env is None:
            errors.append(environment.missing_message(environment.configured_python() or None))
        try:
            raster_path(self.raster_combo.currentLayer())
        except ValueError as error:
            errors.append(str(error))
        model = self.model_path()
        if model and not Path(model).is_file():
            errors.append(
                tr(
                    "Model file '{path}' does not exist: choose a .pt or .onnx file, or clear "
                    "the field to use the default model."
                ).format(path=model)
            )
        elif self.model_error:
            errors.append(
                tr("The model could not be read: {message}").format(message=self.model_error)
            )
        tile, overlap = self.tile_spin.value(), self.overlap_spin.value()
        if tile % 32:
            errors.append(
                tr("The tile size ({tile} px) must be a multiple of 32.").format(tile=tile)
            )
        if overlap * 2 >= tile:
            errors.append(
                tr("The overlap ({overlap} px) must be less than half the tile size.").format(
                    overlap=overlap
                )
            )
        output = self.output_path()
        if output:
            if Path(output).suffix.lower() != ".gpkg":
                errors.append(tr("The output must be a GeoPackage file ending in .gpkg."))
            elif Path(output).exists() and not self.overwrite_check.isChecked():
                errors.append(
                    tr(
                        "Output '{path}' already exists: choose another file or tick "
                        "'Overwrite an existing file'."
                    ).format(path=output)
                )
            elif not Path(output).parent.is_dir():
                errors.append(
                    tr("The output folder '{folder}' does not exist.").format(
                        folder=Path(output).parent
                    )
                )
        return errors

    def build_request(self) -> SegmentRequest:
        layer = self.raster_combo.currentLayer()
        output = self.output_path()
        temporary = not output
        if temporary:
            safe = re.sub(r"[^A-Za-z0-9_-]+", "_", layer.name()).strip("_") or "raster"
            output = str(Path(tempfile.mkdtemp(prefix="landseg-")) / f"{safe}_landcover.gpkg")
        info = self.model_info or {}
        tile, overlap = self.tile_spin.value(), self.overlap_spin.value()
        # Unknown metadata (still loading) or the model's own values: let the backend decide.
        from_model = not info or (
            tile == info.get("tile_size_px") and overlap == info.get("overlap_px")
        )
        device = self.device_combo.currentData()
        args = backend.segment_args(
            raster_path(layer),
            output,
            model=self.model_path() or None,
            tile_size_px=None if from_model else tile,
            overlap_px=None if from_model else overlap,
            conf=self.conf_spin.value(),
            device=device,
            min_area_m2=self.min_area_spin.value(),
            simplify_m=self.simplify_spin.value() or None,
            overwrite=self.overwrite_check.isChecked(),
        )
        return SegmentRequest(
            python=self.env.python,
            raster=raster_path(layer),
            layer_name=tr("{raster} land cover").format(raster=layer.name()),
            output=output,
            temporary_output=temporary,
            args=args,
        )

    def save_settings(self) -> None:
        model = self.model_path()
        settings.set_value(settings.MODEL, model)
        settings.set_value(settings.TILE_SIZE, self.tile_spin.value())
        settings.set_value(settings.OVERLAP, self.overlap_spin.value())
        settings.set_value(settings.TILE_MODEL, model)
        settings.set_value(settings.DEVICE, self.device_combo.currentData())
        settings.set_value(settings.CONFIDENCE, self.conf_spin.value())
        settings.set_value(settings.MIN_AREA, self.min_area_spin.value())
        settings.set_value(settings.SIMPLIFY, self.simplify_spin.value())

    def accept(self) -> None:
        errors = self.validate()
        if errors:
            self.bar.clearWidgets()
            self.bar.pushWarning(tr("Cannot segment yet"), "\n".join(errors))
            return
        self.save_settings()
        self.request = self.build_request()
        super().accept()
