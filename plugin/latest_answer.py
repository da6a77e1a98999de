"""One question to the backend at a time for a dialog, without blocking it: only the latest
question's answer is handed on, answers are kept for the session, and a dialog closed meanwhile
is left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from qgis.core import QgsTask
from qgis.PyQt.QtCore import QObject

from .tasks import WorkerStep, WorkerTask, start
from .worker import WorkerError

_running: set = set()  # tasks must outlive the dialog that asked for them


class LatestAnswer(QObject):
    """Asks the worker through :meth:`ask`; subclasses say the answers on.

    Answers are kept in the subclass's ``answers`` for the session (or where :meth:`cached` and
    :meth:`keep` say), and a question asked again is answered from there at once.
    """

    answers: ClassVar[dict[tuple, Any]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest: tuple | None = None

    def ask(
        self, key: tuple, title: str, python: str, args: list[str], parse: Callable[[dict], Any]
    ) -> None:
        """Run ``landseg args`` in the worker; ``parse`` turns its result into the answer.
        A kept answer is said at once instead."""
        self.latest = key
        kept = self.cached(key)
        if kept is not None:
            self.answered(key, kept, None)
            return
        task = WorkerTask(title, python, [WorkerStep("answer", args)], flags=QgsTask.CanCancel)
        task.add_callback(lambda finished: self._done(finished, key, parse))
        _running.add(task)
        start(task)

    def _done(self, task: WorkerTask, key: tuple, parse: Callable[[dict], Any]) -> None:
        _running.discard(task)
        answer, error = None, None
        if task.succeeded:
            try:
                answer = parse(task.outcome.runs["answer"])
            except WorkerError as failure:
                error = failure
        else:
            error = task.outcome.error  # None: cancelled
        if answer is not None:
            self.keep(key, answer)
        try:
            if key == self.latest:
                self.answered(key, answer, error)
        except RuntimeError:  # the dialog (and this object) is gone
            pass

    def cached(self, key: tuple) -> Any:
        """The answer kept for ``key``, or None."""
        return self.answers.get(key)

    def keep(self, key: tuple, answer: Any) -> None:
        """Remember an answer for the session."""
        self.answers[key] = answer

    def answered(self, key: tuple, answer: Any, error: WorkerError | None) -> None:
        """The latest question's answer, or why there is none (``None``: cancelled)."""
        raise NotImplementedError
