"""Toolbar dialog: segment a raster layer into styled land-cover polygons."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsCoordinateTransform,
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.gui import QgsFileWidget, QgsMapLayerComboBox, QgsMessageBar
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from . import backend, environment, interrupted, layers, paths, settings, sources
from .model_picker import MODEL_FILTER, ModelPickerMixin, initial_model
from .translation import tr

AREA_LAYER, AREA_CANVAS, AREA_SELECTION = "layer", "canvas", "selection"


@dataclass
class SegmentRequest:
    """Everything the segmentation task needs, as plain values."""

    python: str
    raster: str
    layer_name: str
    output: str
    temporary_output: bool
    args: list[str]
    clicked_at: float = 0.0  # time.monotonic() of the user's click: reported times count from it


class SegmentDialog(ModelPickerMixin, QDialog):
    """Raster, model (with its metadata), confidence, tiling, device, cleaning, output."""

    def __init__(self, iface, parent=None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle(tr("LandSeg — Segment land cover"))
        self.setMinimumWidth(600)
        self.init_model_picker()
        self.request: SegmentRequest | None = None
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
        self._add_area_rows(form)
        self._add_model_rows(form)
        self._add_output_rows(form)
        self._add_buttons(layout)

    def _add_area_rows(self, form: QFormLayout) -> None:
        """The raster and the area to segment."""
        self.raster_combo = QgsMapLayerComboBox(self)
        self.raster_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        active = self.iface.activeLayer() if self.iface is not None else None
        if isinstance(active, QgsRasterLayer):
            self.raster_combo.setLayer(active)
        form.addRow(tr("Raster layer"), self.raster_combo)

        self.area_combo = QComboBox(self)
        self.area_combo.addItem(tr("Whole layer"), AREA_LAYER)
        self.area_combo.addItem(tr("Visible map extent"), AREA_CANVAS)
        self.area_combo.addItem(tr("Selected features of a polygon layer"), AREA_SELECTION)
        if self.canvas() is None:
            self.area_combo.model().item(1).setEnabled(False)
        form.addRow(tr("Area"), self.area_combo)
        self.aoi_combo = QgsMapLayerComboBox(self)
        self.aoi_combo.setFilters(QgsMapLayerProxyModel.PolygonLayer)
        form.addRow(tr("Polygon layer"), self.aoi_combo)
        self.area_combo.currentIndexChanged.connect(self._area_changed)
        self._area_changed()

    def _add_model_rows(self, form: QFormLayout) -> None:
        """Pixel size, model, confidence, tiling and device."""
        self.pixel_spin = QDoubleSpinBox(self)
        self.pixel_spin.setRange(0.0, 1000.0)
        self.pixel_spin.setDecimals(3)
        self.pixel_spin.setSingleStep(0.05)
        self.pixel_spin.setSuffix(" m")
        self.pixel_spin.setSpecialValueText(tr("model's default"))
        form.addRow(tr("Pixel size"), self.pixel_spin)

        self.add_model_rows(form, self, tr("Model"), MODEL_FILTER)

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

        self.add_device_row(form, self)

    def _add_output_rows(self, form: QFormLayout) -> None:
        """The polygons' minimum area and simplification, and the output file."""
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
        self.review_check = QCheckBox(tr("Prepare a review (priority per polygon)"), self)
        self.review_check.setToolTip(
            tr(
                "Give every polygon its agreement, class margin and review priority, and add a "
                "'review' layer of the places worth a look: then Review results works through "
                "them, most doubtful first."
            )
        )
        form.addRow("", self.review_check)

        self.output_widget = QgsFileWidget(self)
        self.output_widget.setStorageMode(QgsFileWidget.SaveFile)
        self.output_widget.setFilter("GeoPackage (*.gpkg)")
        self.output_widget.setConfirmOverwrite(False)  # validated below, with its own checkbox
        self.output_widget.lineEdit().setPlaceholderText(tr("[Save to temporary file]"))
        form.addRow(tr("Output GeoPackage"), self.output_widget)
        self.overwrite_check = QCheckBox(tr("Overwrite an existing file"), self)
        form.addRow("", self.overwrite_check)
        self.resume_check = QCheckBox(tr("Resume the interrupted run to this output"), self)
        self.resume_check.setToolTip(
            tr(
                "A run to this output stopped and kept the tiles it had segmented: continue "
                "from there (untick to start again)."
            )
        )
        form.addRow("", self.resume_check)
        self.output_widget.fileChanged.connect(self._output_changed)
        self._output_changed(self.output_path())

    def _add_buttons(self, layout: QVBoxLayout) -> None:
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.run_button = self.buttons.addButton(tr("Segment"), QDialogButtonBox.AcceptRole)
        self.run_button.setDefault(True)
        self.settings_button = QPushButton(tr("Settings…"), self)
        self.buttons.addButton(self.settings_button, QDialogButtonBox.ResetRole)
        self.settings_button.clicked.connect(self.open_settings)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def canvas(self):
        """The map canvas of ``iface`` (None headless or without one)."""
        get = getattr(self.iface, "mapCanvas", None) if self.iface is not None else None
        return get() if get is not None else None

    def area_choice(self) -> str:
        return self.area_combo.currentData()

    def set_area_choice(self, choice: str) -> None:
        self.area_combo.setCurrentIndex(self.area_combo.findData(choice))

    def _area_changed(self, *_args) -> None:
        self.aoi_combo.setEnabled(self.area_choice() == AREA_SELECTION)

    def canvas_extent(self, layer: QgsRasterLayer) -> QgsRectangle | None:
        """The visible map extent in the raster layer's CRS."""
        canvas = self.canvas()
        if canvas is None:
            return None
        extent = canvas.extent()
        crs = canvas.mapSettings().destinationCrs()
        if crs.isValid() and layer.crs().isValid() and crs != layer.crs():
            transform = QgsCoordinateTransform(crs, layer.crs(), QgsProject.instance())
            extent = transform.transformBoundingBox(extent)
        return extent

    def area_errors(self, layer) -> list[str]:
        choice = self.area_choice()
        if choice == AREA_LAYER and sources.is_xyz(layer):
            return [
                tr(
                    "XYZ layer '{name}' covers the whole world: choose the visible map extent "
                    "or selected polygons as the area."
                ).format(name=layer.name())
            ]
        if choice == AREA_CANVAS:
            extent = self.canvas_extent(layer) if layer is not None else None
            if self.canvas() is None or extent is None or extent.isEmpty():
                return [tr("There is no visible map extent to segment.")]
        if choice == AREA_SELECTION:
            aoi = self.aoi_combo.currentLayer()
            if aoi is None:
                return [tr("Choose the polygon layer whose selected features limit the area.")]
            if aoi.selectedFeatureCount() == 0:
                return [
                    tr("Select one or more polygons in layer '{name}' first.").format(
                        name=aoi.name()
                    )
                ]
        return []

    def area_args(self, layer: QgsRasterLayer) -> dict:
        """``aoi`` / ``bbox`` for :func:`backend.segment_args` from the area choice."""
        choice = self.area_choice()
        if choice == AREA_CANVAS:
            extent = self.canvas_extent(layer)
            return {
                "bbox": (
                    extent.xMinimum(),
                    extent.yMinimum(),
                    extent.xMaximum(),
                    extent.yMaximum(),
                )
            }
        if choice == AREA_SELECTION:
            aoi = self.aoi_combo.currentLayer()
            return {
                "aoi": layers.write_polygons(aoi.getSelectedFeatures(), aoi.crs(), aoi.wkbType())
            }
        return {}

    def _restore(self) -> None:
        self.set_model_path(initial_model())
        self.conf_spin.setValue(settings.value(settings.CONFIDENCE, 0.25, float))
        self.tile_spin.setValue(settings.value(settings.TILE_SIZE, 512, int))
        self.overlap_spin.setValue(settings.value(settings.OVERLAP, 64, int))
        self.min_area_spin.setValue(settings.value(settings.MIN_AREA, 1.0, float))
        self.simplify_spin.setValue(settings.value(settings.SIMPLIFY, 0.0, float))

    # --- environment and model ------------------------------------------------------------
    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        if dialog.exec_():
            self.env = environment.current()
            self.bar.clearWidgets()
            self.check_environment()
            self.request_model_info()

    def _model_loaded(self, model: str, info: dict) -> None:
        super()._model_loaded(model, info)
        current = self.model_path()
        if settings.value(settings.TILE_MODEL, "") == current and current:
            self.tile_spin.setValue(settings.value(settings.TILE_SIZE, 512, int))
            self.overlap_spin.setValue(settings.value(settings.OVERLAP, 64, int))
        else:
            self.tile_spin.setValue(int(info.get("tile_size_px") or 512))
            self.overlap_spin.setValue(int(info.get("overlap_px") or 0))

    # --- validation and request -------------------------------------------------------------
    def output_path(self) -> str:
        return self.output_widget.filePath().strip()

    def _output_changed(self, _path: str) -> None:
        """Offer to resume where an interrupted run to this output kept its work."""
        output = self.output_path()
        resumable = (
            bool(output) and interrupted.work_file(paths.absolute_output(output)) is not None
        )
        self.resume_check.setVisible(resumable)
        self.resume_check.setChecked(resumable)

    def resume(self) -> bool:
        """Whether the run continues an interrupted one (offered and ticked)."""
        return self.resume_check.isVisibleTo(self) and self.resume_check.isChecked()

    def validate(self) -> list[str]:
        """Problems that stop a run, as messages saying what to do."""
        errors = self.environment_errors()
        layer = self.raster_combo.currentLayer()
        try:
            sources.backend_source(layer)
        except ValueError as error:
            errors.append(str(error))
        else:
            errors += self.area_errors(layer)
        problem = self.model_problem(
            tr(
                "Model file '{path}' does not exist: choose a .pt or .onnx file, or clear "
                "the field to use the default model."
            )
        )
        if problem:
            errors.append(problem)
        errors += backend.tiling_problems(self.tile_spin.value(), self.overlap_spin.value())
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
            elif paths.output_problem(output):
                errors.append(paths.output_problem(output))
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
        raster = sources.backend_source(layer)
        args = backend.segment_args(
            raster,
            output,
            model=self.model_path() or None,
            tile_size_px=None if from_model else tile,
            overlap_px=None if from_model else overlap,
            conf=self.conf_spin.value(),
            device=device,
            min_area_m2=self.min_area_spin.value(),
            simplify_tolerance_m=self.simplify_spin.value() or None,
            overwrite=self.overwrite_check.isChecked(),
            resume=self.resume(),
            review=self.review_check.isChecked(),
            checkpoint=False if temporary else None,  # a temporary output is never resumed
            pixel_size_m=self.pixel_spin.value() or None,
            crs=sources.assigned_crs(layer),
            **self.area_args(layer),
        )
        return SegmentRequest(
            python=self.env.python,
            raster=raster,
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
        clicked_at = time.monotonic()
        errors = self.validate()
        if errors:
            self.bar.clearWidgets()
            self.bar.pushWarning(tr("Cannot segment yet"), "\n".join(errors))
            return
        self.save_settings()
        self.request = self.build_request()
        self.request.clicked_at = clicked_at
        paths.make_parent(self.request.output)
        super().accept()
