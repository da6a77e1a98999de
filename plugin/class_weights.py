"""The backend's balanced class weights for the fine-tune dialog's preview, without blocking it."""

from __future__ import annotations

from qgis.core import QgsTask
from qgis.PyQt.QtCore import QObject, pyqtSignal

from . import backend
from .tasks import WorkerStep, WorkerTask, start
from .translation import tr
from .worker import WorkerError

_running: set = set()  # tasks must outlive the dialog that asked for them
_answers: dict[tuple, dict[str, float]] = {}  # (python, counts) -> the backend's weights


class ClassWeightsPreview(QObject):
    """Emits ``computed(counts, weights)`` or ``failed(counts, message)`` for the latest counts.

    The weights are the ones ``landseg class-weights`` computes, by the formula export-dataset
    uses; each answer is kept for the session.
    """

    computed = pyqtSignal(dict, dict)
    failed = pyqtSignal(dict, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest: tuple | None = None

    def request(self, python: str, counts: dict[str, int]) -> None:
        key = (python, tuple(counts.items()))
        self.latest = key
        if key in _answers:
            self.computed.emit(dict(counts), dict(_answers[key]))
            return
        task = WorkerTask(
            tr("LandSeg: class weights"),
            python,
            [WorkerStep("weights", backend.class_weights_args(counts))],
            flags=QgsTask.CanCancel,
        )
        task.add_callback(lambda finished, key=key: self._done(finished, key))
        _running.add(task)
        start(task)

    def _done(self, task: WorkerTask, key: tuple) -> None:
        _running.discard(task)
        counts = dict(key[1])
        weights, message = None, ""
        if task.succeeded:
            try:
                weights = backend.parse_class_weights(task.outcome.runs["weights"])
                _answers[key] = weights
            except WorkerError as error:
                message = error.message
        elif task.outcome.error is not None:
            message = task.outcome.error.message
        try:
            if key != self.latest:
                return
            if weights is not None:
                self.computed.emit(counts, weights)
            elif message:
                self.failed.emit(counts, message)
        except RuntimeError:  # the dialog (and this preview) is gone
            pass
