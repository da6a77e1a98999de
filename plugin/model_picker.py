"""The model picker shared by the segment and fine-tune dialogs.

A model file field, a label describing the model's metadata (read through the worker without
blocking the dialog) and a device combo whose 'auto' entry names the detected device.
"""

from __future__ import annotations

from pathlib import Path

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from . import environment, settings
from .model_info import ModelInfoLoader
from .translation import tr

MODEL_FILTER = "Models (*.pt *.onnx)"
PT_FILTER = "Models (*.pt)"


def device_label(device: str, info: dict | None) -> str:
    """The device choice's text, with the device the backend detected (for ``auto``)."""
    if device == "auto":
        if info and info.get("device_name"):
            return tr("auto (detected: {device})").format(device=info["device_name"])
        return tr("auto (detecting…)")
    return {"cpu": tr("CPU"), "cuda": tr("CUDA GPU")}[device]


def describe_model(info: dict) -> str:
    """What the dialogs say of a model: its classes and its tiling."""
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


def model_file_widget(parent: QWidget, file_filter: str, placeholder: str) -> QgsFileWidget:
    """A field choosing one model file; ``placeholder`` says what an empty field means."""
    widget = QgsFileWidget(parent)
    widget.setStorageMode(QgsFileWidget.GetFile)
    widget.setFilter(file_filter)
    widget.lineEdit().setPlaceholderText(placeholder)
    return widget


def read_failed_message(message: str) -> str:
    """The text shown when a model file cannot be read."""
    return tr("The model could not be read: {message}").format(message=message)


class ModelPickerMixin:
    """Model field, metadata label and device combo of a dialog with a ``QgsMessageBar``.

    The dialog calls :meth:`init_model_picker` before building its layout, adds the rows with
    :meth:`add_model_rows` and :meth:`add_device_row`, then calls :meth:`request_model_info`.
    It reads ``model_info`` (None until known) and ``model_error``; overriding
    ``_model_loaded`` / ``_model_failed`` (calling ``super()``) reacts to the metadata.
    """

    def init_model_picker(self) -> None:
        self.env = environment.current()
        self.model_info: dict | None = None
        self.model_error = ""
        self._programmatic = False
        self.loader = ModelInfoLoader(self)
        self.loader.loaded.connect(self._model_loaded)
        self.loader.failed.connect(self._model_failed)

    def add_model_rows(self, form: QFormLayout, parent: QWidget, label: str, file_filter: str):
        self.model_widget = model_file_widget(parent, file_filter, tr("[Default model]"))
        self.model_widget.fileChanged.connect(self._model_changed)
        form.addRow(label, self.model_widget)
        self.model_label = QLabel(tr("Reading the model…"), parent)
        form.addRow("", self.model_label)

    DEVICE_SETTING = settings.DEVICE  # where the dialog keeps its device (each its own)

    def add_device_row(self, form: QFormLayout, parent: QWidget) -> None:
        """The device combo, set to the device this dialog used last."""
        self.device_combo = QComboBox(parent)
        for device in settings.DEVICES:
            self.device_combo.addItem(device_label(device, None), device)
        index = self.device_combo.findData(settings.value(self.DEVICE_SETTING, "auto", str))
        self.device_combo.setCurrentIndex(max(index, 0))
        form.addRow(tr("Device"), self.device_combo)

    # --- environment ------------------------------------------------------------------------
    def check_environment(self) -> None:
        from .environment import version_problem

        if self.env is None:
            self.bar.pushWarning(
                tr("LandSeg environment missing"),
                environment.missing_message(environment.configured_python() or None),
            )
        elif version_problem(self.env):
            self.bar.pushWarning(tr("LandSeg environment out of date"), version_problem(self.env))

    def environment_errors(self) -> list[str]:
        if self.env is None:
            return [environment.missing_message(environment.configured_python() or None)]
        return []

    # --- model ------------------------------------------------------------------------------
    def model_path(self) -> str:
        return self.model_widget.filePath().strip()

    def set_model_path(self, path: str) -> None:
        """Show ``path`` in the field without reading its metadata again."""
        self._programmatic = True
        self.model_widget.setFilePath(path)
        self._programmatic = False

    def model_problem(self, missing: str) -> str:
        """Why the chosen model cannot be used ('' when it can); ``missing`` takes {path}."""
        model = self.model_path()
        if model and not Path(model).is_file():
            return missing.format(path=model)
        if self.model_error:
            return read_failed_message(self.model_error)
        return ""

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
            self.set_model_path(info["path"])
        self.model_label.setText(describe_model(info))
        self.device_combo.setItemText(0, device_label("auto", info))

    def _model_failed(self, model: str, message: str, details: str) -> None:
        self.model_info, self.model_error = None, message
        self.model_label.setText(read_failed_message(message))
