"""``QgsTask`` wrappers around worker runs: progress in the task manager, cancel, results.

``run()`` executes in a worker thread and touches no widget: it only starts the backend and
records what came back. ``finished()`` runs in the main thread and hands the task to the
callbacks, which update the GUI.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from .warm_worker import run_job
from .worker import WorkerCancelled, WorkerError, WorkerRun


@dataclass
class WorkerStep:
    """One backend command in a task, covering [start, end] of the task's progress."""

    key: str
    args: list[str]
    start: float = 0.0
    end: float = 1.0
    label: str = ""
    optional: bool = False  # a failure is recorded, not fatal (e.g. a report command)


@dataclass
class TaskOutcome:
    """What a task left for ``finished()``."""

    runs: dict[str, WorkerRun] = field(default_factory=dict)
    step_errors: dict[str, WorkerError] = field(default_factory=dict)
    error: WorkerError | None = None
    cancelled: bool = False
    kept: str | None = None  # the work file a stopped segmentation kept to be resumed


class WorkerTask(QgsTask):
    """Runs one or more ``python -m landseg`` steps in sequence as a cancellable task."""

    messageChanged = pyqtSignal(str)

    def __init__(
        self,
        description: str,
        python: str,
        steps: Sequence[WorkerStep],
        *,
        on_finished: Callable[[WorkerTask], None] | None = None,
        flags: QgsTask.Flags = QgsTask.CanCancel,
    ) -> None:
        super().__init__(description, flags)
        self.python = python
        self.steps = list(steps)
        self.outcome = TaskOutcome()
        self.log: list[str] = []
        self.message = ""
        self.worker_pids: list[int] = []
        self.done = False
        self.succeeded = False
        self._callbacks: list[Callable[[WorkerTask], None]] = []
        self.callback_errors: list[str] = []
        if on_finished is not None:
            self._callbacks.append(on_finished)

    def add_callback(self, callback: Callable[[WorkerTask], None]) -> None:
        self._callbacks.append(callback)

    def run(self) -> bool:  # worker thread: no GUI here
        for step in self.steps:
            if self.isCanceled():
                self.outcome.cancelled = True
                return False
            self.setProgress(100.0 * step.start)
            if step.label:
                self._message(step.label)
            try:
                self.outcome.runs[step.key] = run_job(
                    self.python,
                    step.args,
                    progress=lambda fraction, message, s=step: self._progress(s, fraction, message),
                    is_cancelled=self.isCanceled,
                    on_log=self._log,
                    on_start=self.worker_pids.append,
                )
            except WorkerCancelled as error:
                self.outcome.cancelled, self.outcome.kept = True, error.kept
                return False
            except WorkerError as error:
                self.outcome.kept = error.kept
                if step.optional:
                    self.outcome.step_errors[step.key] = error
                    continue
                self.outcome.error = error
                return False
            except Exception as error:  # never let an exception escape a task's thread
                self.outcome.error = WorkerError(
                    f"{type(error).__name__}: {error}", details=traceback.format_exc()
                )
                return False
        self.setProgress(100.0)
        return True

    def _progress(self, step: WorkerStep, fraction: float, message: str) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        self.setProgress(100.0 * (step.start + (step.end - step.start) * fraction))
        if message:
            self._message(f"{step.label}: {message}" if step.label else message)

    def _message(self, message: str) -> None:
        self.message = message
        self.messageChanged.emit(message)

    def _log(self, line: str) -> None:
        self.log.append(line)
        del self.log[:-2000]

    def finished(self, result: bool) -> None:  # main thread
        self.succeeded = bool(result)
        if not result and self.outcome.error is None and not self.outcome.cancelled:
            self.outcome.cancelled = self.isCanceled()
        self.done = True
        for callback in self._callbacks:
            try:
                callback(self)
            except Exception:  # a GUI callback failing must not hide the others
                from qgis.core import Qgis, QgsMessageLog

                QgsMessageLog.logMessage(traceback.format_exc(), "LandSeg", Qgis.Critical)
                self.callback_errors.append(traceback.format_exc())


def start(task: QgsTask) -> None:
    """Hand a task to QGIS's task manager."""
    from qgis.core import QgsApplication

    QgsApplication.taskManager().addTask(task)
