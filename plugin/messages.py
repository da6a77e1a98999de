"""Message-bar helpers (errors with a details view, a running task's progress) and texts."""

from __future__ import annotations

import contextlib

from qgis.core import Qgis
from qgis.gui import QgsMessageBar, QgsMessageBarItem, QgsMessageViewer
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from .backend import format_counts
from .translation import tr


def segment_summary(result: dict, seconds: float | None = None) -> str:
    """'N polygons (per class) in S s on DEVICE.' for the result of ``landseg segment``.

    ``seconds``: the time since the user started the run (default: the backend's own time).
    """
    counts = result.get("counts", {})
    if seconds is None:
        seconds = float(result.get("timings_s", {}).get("total", 0.0))
    return tr("{count} polygons ({classes}) in {seconds:.1f} s on {device}.").format(
        count=sum(counts.values()),
        classes=format_counts(counts),
        seconds=seconds,
        device=result.get("device", "?"),
    )


def show_details(parent: QWidget | None, title: str, message: str, details: str):
    """A non-blocking viewer with the backend's full message and log."""
    viewer = QgsMessageViewer(parent)
    viewer.setTitle(title)
    viewer.setMessageAsPlainText(f"{message}\n\n{details}".strip())
    viewer.showMessage(False)
    return viewer


BAR_TEXT_CHARS = 120  # about what two lines of a message bar show at QGIS's usual width


def push_message(
    bar: QgsMessageBar,
    title: str,
    text: str,
    *,
    level: Qgis.MessageLevel = Qgis.Info,
    details: str = "",
    buttons: dict[str, object] | None = None,
    duration: int = 0,
) -> QgsMessageBarItem:
    """Push ``text`` with extra buttons (label -> callback), and "Details…" with the whole
    text and ``details`` where there are details or the text is longer than the bar shows."""
    item = bar.createMessage(title, text)
    item.buttons = {}
    if details or len(text) > BAR_TEXT_CHARS:
        button = QPushButton(tr("Details…"), item)

        def open_details() -> None:
            item.details_viewer = show_details(bar.window(), title, text, details)

        button.clicked.connect(open_details)
        item.layout().addWidget(button)
        item.buttons["details"] = button
    for label, callback in (buttons or {}).items():
        button = QPushButton(label, item)
        button.clicked.connect(callback)
        item.layout().addWidget(button)
        item.buttons[label] = button
    bar.pushWidget(item, level, duration)
    return item


def push_error(bar: QgsMessageBar, title: str, text: str, details: str = "") -> QgsMessageBarItem:
    """Push an error with an optional "Details…" view."""
    return push_message(bar, title, text, level=Qgis.Critical, details=details)


NOTICE_WINDOW_MS = 3000  # how long after a cancel QGIS's own notice is still taken off


def drop_task_notices(bar: QgsMessageBar, description: str) -> None:
    """Take QGIS's own notice of a task the user cancelled off the bar.

    QGIS shows every stopped task as "Task failed: <description>" (a desktop notification, or
    the message bar where there is none); for a cancel the plugin's own "Cancelled" says what
    happened. The notice may come before or after the plugin's message: both are handled.
    """

    def pop_notices() -> None:
        with contextlib.suppress(RuntimeError):  # the bar is gone
            for item in list(bar.items()):
                if item.text() == description:
                    bar.popWidget(item)

    def sweep(*_added) -> None:
        QTimer.singleShot(0, pop_notices)  # once the bar has finished adding an item

    sweep()
    bar.widgetAdded.connect(sweep)

    def stop() -> None:
        with contextlib.suppress(TypeError, RuntimeError):
            bar.widgetAdded.disconnect(sweep)

    QTimer.singleShot(NOTICE_WINDOW_MS, stop)


class TaskProgressItem:
    """A message-bar item following a task: its latest message, a progress bar, Cancel."""

    def __init__(self, bar: QgsMessageBar, title: str, task) -> None:
        self.bar = bar
        self.item = bar.createMessage(title, "")
        self.label = QLabel(task.description(), self.item)
        self.progress = QProgressBar(self.item)
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(240)
        self.cancel_button = QPushButton(tr("Cancel"), self.item)
        self.cancel_button.clicked.connect(task.cancel)
        for widget in (self.label, self.progress, self.cancel_button):
            self.item.layout().addWidget(widget)
        task.progressChanged.connect(self._set_progress)
        if hasattr(task, "messageChanged"):
            task.messageChanged.connect(self.label.setText)
        bar.pushWidget(self.item, Qgis.Info, 0)

    def _set_progress(self, value: float) -> None:
        with contextlib.suppress(RuntimeError):  # the item was closed by the user
            self.progress.setValue(int(value))

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.bar.popWidget(self.item)
