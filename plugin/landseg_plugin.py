"""The plugin object QGIS loads: Processing provider always, toolbar and dialogs with a GUI."""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsProject, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices, QIcon
from qgis.PyQt.QtWidgets import QAction

from . import backend, interrupted, paths, settings, warm_worker
from .messages import (
    TaskProgressItem,
    drop_task_notices,
    push_error,
    push_message,
    segment_summary,
)
from .processing.provider import LandSegProvider
from .tasks import WorkerStep, WorkerTask, start
from .translation import Translator, tr

PLUGIN_DIR = Path(__file__).resolve().parent
MENU = "&LandSeg"


class LandSegPlugin:
    """Registers LandSeg in QGIS; works with ``iface=None`` for headless use (qgis_process)."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.translator = Translator()
        self.translator.install()  # before anything builds user-visible names
        self.provider: LandSegProvider | None = None
        self.actions: list[QAction] = []
        self.tasks: list[WorkerTask] = []  # running tasks must stay referenced
        self.progress_items: dict[int, TaskProgressItem] = {}
        self.dialogs: list = []
        self.last_result: dict | None = None
        self.last_layer: QgsVectorLayer | None = None
        self.review_panel = None  # the review dock, made when first opened
        self.unloaded = False
        self.open_url = lambda url: QDesktopServices.openUrl(QUrl.fromLocalFile(str(url)))

    # --- registration ---------------------------------------------------------------------
    def initProcessing(self) -> None:
        """Register the Processing provider (also what ``qgis_process`` calls)."""
        if self.provider is None:
            QgsApplication.instance().aboutToQuit.connect(warm_worker.stop_all)
            provider = LandSegProvider()
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    def initGui(self) -> None:
        """Called by QGIS desktop after loading: provider, toolbar button, Raster menu."""
        self.initProcessing()
        icon = QIcon(str(PLUGIN_DIR / "icon.svg"))
        parent = self.iface.mainWindow()
        self.segment_action = QAction(icon, tr("Segment land cover…"), parent)
        self.segment_action.triggered.connect(self.show_segment_dialog)
        finetune_icon = QIcon(str(PLUGIN_DIR / "finetune.svg"))
        self.finetune_action = QAction(finetune_icon, tr("Fine-tune on local labels…"), parent)
        self.finetune_action.triggered.connect(self.show_finetune_dialog)
        self.settings_action = QAction(tr("LandSeg settings…"), parent)
        self.settings_action.triggered.connect(self.show_settings_dialog)
        self.actions = [self.segment_action, self.finetune_action, self.settings_action]
        self.iface.addToolBarIcon(self.segment_action)
        self.iface.addToolBarIcon(self.finetune_action)
        for action in self.actions:
            self.iface.addPluginToRasterMenu(MENU, action)
        review_icon = QIcon(str(PLUGIN_DIR / "review.svg"))
        self.review_action = QAction(review_icon, tr("Review results"), parent)
        self.review_action.triggered.connect(self.show_review_panel)
        self.iface.addToolBarIcon(self.review_action)
        self.iface.addPluginToVectorMenu(MENU, self.review_action)

    def unload(self) -> None:
        """Remove everything the plugin registered; cancel what still runs (a task that ends
        later says nothing: the message bar it would use may be gone)."""
        self.unloaded = True
        for task in list(self.tasks):
            task.cancel()
        if self.iface is not None and self.actions:
            self.iface.removeToolBarIcon(self.segment_action)
            self.iface.removeToolBarIcon(self.finetune_action)
            for action in self.actions:
                self.iface.removePluginRasterMenu(MENU, action)
            self.iface.removeToolBarIcon(self.review_action)
            self.iface.removePluginVectorMenu(MENU, self.review_action)
        if self.review_panel is not None:
            self.iface.removeDockWidget(self.review_panel)
            self.review_panel.deleteLater()
            self.review_panel = None
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
            with contextlib.suppress(TypeError):  # not connected
                QgsApplication.instance().aboutToQuit.disconnect(warm_worker.stop_all)
        warm_worker.stop_all()
        self.translator.remove()

    # --- dialogs --------------------------------------------------------------------------
    def _keep(self, dialog):
        self.dialogs = [d for d in self.dialogs if _alive(d)] + [dialog]
        return dialog

    def show_segment_dialog(self):
        from .segment_dialog import SegmentDialog

        dialog = self._keep(SegmentDialog(self.iface, self.iface.mainWindow()))
        dialog.accepted.connect(lambda: self.start_segmentation(dialog.request))
        dialog.show()
        return dialog

    def show_finetune_dialog(self):
        from .finetune_dialog import FineTuneDialog

        dialog = self._keep(FineTuneDialog(self.iface, self.iface.mainWindow()))
        dialog.accepted.connect(lambda: self.start_finetune(dialog.request))
        dialog.show()
        return dialog

    def show_settings_dialog(self):
        from .settings_dialog import SettingsDialog

        dialog = self._keep(SettingsDialog(self.iface.mainWindow()))
        dialog.show()
        return dialog

    def show_review_panel(self):
        """The review dock, on the current layer when that is a polygon layer."""
        from .review_panel import ReviewPanel

        if self.review_panel is None:
            window = self.iface.mainWindow()
            self.review_panel = ReviewPanel(self.iface, self.start_review_export, window)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.review_panel)
        active = self.iface.activeLayer()
        polygons = isinstance(active, QgsVectorLayer) and (
            active.geometryType() == QgsWkbTypes.PolygonGeometry
        )
        if polygons and active is not self.review_panel.layer:
            self.review_panel.set_layer(active)
        self.review_panel.show()
        self.review_panel.raise_()
        self.review_panel.take_focus()
        return self.review_panel

    # --- tasks ----------------------------------------------------------------------------
    def _start(self, task: WorkerTask, request, title: str, on_success) -> WorkerTask:
        """Run ``task`` for ``request``; ``on_success(task, title)`` once it has succeeded."""
        task.request = request
        task.add_callback(lambda done: self._finished(done, title, on_success))
        self.tasks.append(task)
        if self.iface is not None:
            self.progress_items[id(task)] = TaskProgressItem(self.iface.messageBar(), title, task)
        task.add_callback(self._forget)
        start(task)
        return task

    def _forget(self, task: WorkerTask) -> None:
        item = self.progress_items.pop(id(task), None)
        if item is not None:
            item.close()
        if task in self.tasks:
            self.tasks.remove(task)

    def _finished(self, task: WorkerTask, title: str, on_success) -> None:
        if self.unloaded:
            return
        if task.succeeded:
            on_success(task, title)
        else:
            self._report_failure(task, title)

    def _report_failure(self, task: WorkerTask, title: str) -> None:
        bar = self.iface.messageBar()
        resume = tr(
            "The tiles segmented so far are kept: segment to the same output again to resume."
        )
        if task.outcome.cancelled:
            message = (
                tr("Cancelled.") + " " + resume
                if task.outcome.kept
                else tr("Cancelled; nothing was written.")
            )
            push_message(bar, title, message, level=Qgis.Warning, duration=10)
            drop_task_notices(bar, task.description())
            return
        error = task.outcome.error
        message = error.message if error else tr("The task failed.")
        push_error(
            bar,
            title,
            f"{message} {resume}" if task.outcome.kept else message,
            details=(error.details if error else "") or "\n".join(task.log[-200:]),
        )

    def start_segmentation(self, request) -> WorkerTask:
        """Run a segmentation request as a task; the result layer is added when it ends."""
        task = WorkerTask(
            tr("LandSeg: segmenting {layer}").format(layer=request.layer_name),
            request.python,
            [WorkerStep("segment", request.args)],
        )
        task.started_at = getattr(request, "clicked_at", None) or time.monotonic()
        task.add_callback(self._segmentation_ended)
        return self._start(task, request, tr("LandSeg segmentation"), self._segmentation_finished)

    @staticmethod
    def _segmentation_ended(task: WorkerTask) -> None:
        """Remember a run that kept its work to be resumed; a temporary output's folder (made
        for the run) goes with a run that did not complete."""
        request = task.request
        output = paths.absolute_output(request.output)
        if task.succeeded:
            interrupted.forget(output)
        elif request.temporary_output:
            shutil.rmtree(Path(output).parent, ignore_errors=True)
        elif task.outcome.kept:
            interrupted.remember(output, task.outcome.kept)

    def _segmentation_finished(self, task: WorkerTask, title: str) -> None:
        request = task.request
        result = task.outcome.runs["segment"].result
        output = result.get("output", request.output)
        layer_name = result.get("layer", backend.LAYER_NAME)
        layer = QgsVectorLayer(f"{output}|layername={layer_name}", request.layer_name, "ogr")
        bar = self.iface.messageBar()
        if not layer.isValid():
            push_error(
                bar, title, tr("The result '{path}' could not be opened.").format(path=output)
            )
            return
        QgsProject.instance().addMapLayer(layer)
        summary = segment_summary(result, time.monotonic() - task.started_at)
        self.last_result, self.last_layer = result, layer
        if result.get("warnings"):
            summary += " " + tr("Warnings: see Details.")
        push_message(
            bar,
            title,
            summary,
            level=Qgis.Success,
            details="\n".join(result.get("warnings", [])),
            duration=0,
        )

    def start_finetune(self, request) -> WorkerTask:
        """export-dataset, train and (when available) report, as one task."""
        task = WorkerTask(tr("LandSeg: fine-tuning"), request.python, request.steps)
        return self._start(task, request, tr("LandSeg fine-tuning"), self._finetune_finished)

    def _open_report(self, report: Path, title: str) -> None:
        """Open the report in the browser, or say where it is when no browser starts."""
        if self.open_url(report) is False:
            push_message(
                self.iface.messageBar(),
                title,
                tr("No browser could be started: open the report yourself: {path}").format(
                    path=report
                ),
                level=Qgis.Warning,
            )

    def _finetune_finished(self, task: WorkerTask, title: str) -> None:
        request = task.request
        result = task.outcome.runs["train"].result
        model = result.get("model", "")
        self.last_result = result
        bar = self.iface.messageBar()
        report = Path(request.report_path)
        buttons = {tr("Make it the default model"): lambda: self.make_default_model(model)}
        text = tr("Fine-tuned model: {path}").format(path=model)
        report_error = task.outcome.step_errors.get("report")
        if report_error is None and report.is_file():
            buttons[tr("Open report")] = lambda: self._open_report(report, title)
            self._open_report(report, title)
        elif report_error is not None:
            text += " " + tr("(The report failed: {message})").format(message=report_error.message)
        self.finetune_item = push_message(
            bar,
            title,
            text,
            level=Qgis.Success,
            buttons=buttons,
            details=report_error.details if report_error is not None else "",
        )

    def start_review_export(self, request) -> WorkerTask:
        """``landseg export-dataset --reviewed`` as a task; says where the data went."""
        task = WorkerTask(
            tr("LandSeg: exporting reviewed training data"),
            request.python,
            [WorkerStep("export", request.args)],
        )
        title = tr("LandSeg review export")
        return self._start(task, request, title, self._review_export_finished)

    def _review_export_finished(self, task: WorkerTask, title: str) -> None:
        text = tr("Training data from the reviewed polygons: {path}").format(
            path=task.request.output
        )
        push_message(self.iface.messageBar(), title, text, level=Qgis.Success, duration=0)

    def make_default_model(self, model: str) -> None:
        settings.set_value(settings.DEFAULT_MODEL, model)
        settings.set_value(settings.MODEL, model)
        if self.iface is not None:
            push_message(
                self.iface.messageBar(),
                tr("LandSeg"),
                tr("{path} is now the default model.").format(path=model),
                level=Qgis.Success,
                duration=5,
            )


def _alive(widget) -> bool:
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return widget.isVisible()
