"""Read a model's metadata through the worker without blocking the dialog."""

from __future__ import annotations

from qgis.PyQt.QtCore import QObject, pyqtSignal

from . import backend
from .latest_answer import LatestAnswer
from .translation import tr


class ModelInfoLoader(LatestAnswer):
    """Emits ``loaded(model, info)`` or ``failed(model, message, details)`` for the latest request.

    ``model`` is the value asked for ('' means the shipped default model).
    """

    loaded = pyqtSignal(str, dict)
    failed = pyqtSignal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False

    def request(self, python: str, model: str, device: str = "auto") -> None:
        self.busy = True
        args = backend.model_info_args(model or None, device)
        title = tr("LandSeg: reading model metadata")
        self.ask((python, model, device), title, python, args, backend.parse_model_info)

    def cached(self, key: tuple) -> dict | None:
        python, model, device = key
        return backend.cached_model_info(python, model or None, device)

    def keep(self, key: tuple, info: dict) -> None:
        python, model, device = key
        backend.remember_model_info(python, model or None, device, info)

    def answered(self, key: tuple, info, error) -> None:
        self.busy = False
        model = key[1]
        if info is not None:
            self.loaded.emit(model, info)
        elif error is not None:
            self.failed.emit(model, error.message, error.details)
        else:
            self.failed.emit(model, tr("Reading the model was cancelled."), "")
