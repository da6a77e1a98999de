"""Read a model's metadata through the worker without blocking the dialog."""

from __future__ import annotations

from qgis.core import QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from . import backend
from .tasks import WorkerStep, WorkerTask, start
from .translation import tr
from .worker import WorkerError

_running: set = set()  # tasks must outlive the dialog that asked for them


class ModelInfoLoader(QObject):
    """Emits ``loaded(model, info)`` or ``failed(model, message, details)`` for the latest request.

    ``model`` is the value asked for ('' means the shipped default model).
    """

    loaded = pyqtSignal(str, dict)
    failed = pyqtSignal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest: tuple[str, str, str] | None = None
        self.busy = False

    def request(self, python: str, model: str, device: str = "auto") -> None:
        self.latest = (python, model, device)
        cached = backend.cached_model_info(python, model or None, device)
        if cached is not None:
            self.busy = False
            self.loaded.emit(model, cached)
            return
        self.busy = True
        task = WorkerTask(
            tr("LandSeg: reading model metadata"),
            python,
            [WorkerStep("info", backend.model_info_args(model or None, device))],
            flags=QgsTask.CanCancel,
        )
        key = (python, model, device)
        task.add_callback(lambda finished, key=key: self._done(finished, key))
        _running.add(task)
        start(task)

    def _done(self, task: WorkerTask, key: tuple[str, str, str]) -> None:
        _running.discard(task)
        python, model, device = key
        info = None
        message, details = "", ""
        if task.succeeded:
            try:
                info = backend.parse_model_info(task.outcome.runs["info"])
                backend.remember_model_info(python, model or None, device, info)
            except WorkerError as error:
                message, details = error.message, error.details
        elif task.outcome.error is not None:
            message, details = task.outcome.error.message, task.outcome.error.details
        else:
            message = tr("Reading the model was cancelled.")
        try:
            if key != self.latest:
                return
            self.busy = False
            if info is not None:
                self.loaded.emit(model, info)
            else:
                self.failed.emit(model, message, details)
        except RuntimeError:  # the dialog (and this loader) is gone
            pass
