"""Settings: the LandSeg Python environment (found, set, or installed) and the default model."""

from __future__ import annotations

import contextlib
from pathlib import Path

from qgis.core import QgsApplication, QgsTask
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtGui import QFont, QTextCursor
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from . import backend, environment, installer, settings, warm_worker
from .messages import show_details
from .model_picker import MODEL_FILTER, model_file_widget
from .tasks import WorkerStep, WorkerTask, start
from .translation import tr


def source_label(source: str) -> str:
    """Where an environment was found, in the user's language."""
    labels = {
        "settings": tr("the LandSeg settings"),
        "LANDSEG_PYTHON": tr("the LANDSEG_PYTHON environment variable"),
        "checkout": tr("the checkout's .venv"),
        "user environment": tr("the user environment"),
        "QGIS's Python": tr("QGIS's Python"),
        "PATH": tr("the PATH"),
    }
    return labels.get(source, source)


def describe_environment(env: environment.Environment | None) -> str:
    """What the settings dialog says of the environment found (or its absence)."""
    if env is None:
        return tr("No LandSeg environment was found.")
    text = tr("Using {python} (landseg {version}, found via {source}).").format(
        python=env.python, version=env.landseg_version or "?", source=source_label(env.source)
    )
    if not env.training:
        text += " " + tr("It segments; fine-tuning needs the training support.")
    return text


class InstallTask(QgsTask):
    """Runs an install plan in the task manager; pip's lines come out by ``lineAdded``."""

    lineAdded = pyqtSignal(str)

    def __init__(self, plan: installer.InstallPlan, wheelhouse: str | None = None) -> None:
        super().__init__(tr("LandSeg: installing the Python environment"), QgsTask.CanCancel)
        self.plan, self.wheelhouse = plan, wheelhouse
        self.lines: list[str] = []
        self.ok: bool | None = None

    def run(self) -> bool:  # worker thread: no GUI here
        def step(index: int, count: int) -> None:
            self.setProgress(100.0 * index / count)

        self.ok = installer.run_plan(
            self.plan, on_line=self._line, on_step=step, is_cancelled=self.isCanceled
        )
        environment.clear_cache()  # the next lookup sees what was installed
        return self.ok

    def _line(self, line: str) -> None:
        self.lines.append(line)
        self.lineAdded.emit(line)


class InstallDialog(QDialog):
    """Shows an install task's output as it comes, and what to do when it fails."""

    installFinished = pyqtSignal(bool)

    def __init__(self, plan: installer.InstallPlan, wheelhouse: str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("LandSeg — Install the Python environment"))
        self.resize(720, 420)
        self.plan, self.wheelhouse = plan, wheelhouse
        self.succeeded: bool | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel(tr("Installing…"), self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setFont(QFont("Monospace"))
        layout.addWidget(self.output)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        self.stop_button = QPushButton(tr("Stop"), self)
        self.buttons.addButton(self.stop_button, QDialogButtonBox.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.stop_button.clicked.connect(self.stop)
        layout.addWidget(self.buttons)
        self.task = InstallTask(plan, wheelhouse)
        self.task.lineAdded.connect(self._append)
        self.task.taskCompleted.connect(lambda: self._end(True))
        self.task.taskTerminated.connect(lambda: self._end(False))

    def start(self) -> None:
        QgsApplication.taskManager().addTask(self.task)

    def _append(self, text: str) -> None:
        with contextlib.suppress(RuntimeError):  # the dialog was closed
            self.output.moveCursor(QTextCursor.End)
            self.output.insertPlainText(text + "\n")
            self.output.ensureCursorVisible()

    def _end(self, ok: bool) -> None:
        if self.succeeded is not None:
            return
        self.succeeded = ok
        if ok:  # what the environment reads (its shipped model, its runtimes) may have changed
            backend.forget_model_info()
        with contextlib.suppress(RuntimeError):
            self.stop_button.setEnabled(False)
            self.status.setText(
                tr("Installation finished.")
                if ok
                else installer.failure_advice(self.plan, self.wheelhouse)
            )
        self.installFinished.emit(ok)

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):  # the task already ended
            self.task.cancel()


class SettingsDialog(QDialog):
    """Python environment (automatic or set), its install command, and the default model."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("LandSeg — Settings"))
        self.setMinimumWidth(620)
        self.install_dialog: InstallDialog | None = None
        layout = QVBoxLayout(self)

        group = QGroupBox(tr("Python environment"), self)
        form = QFormLayout(group)
        self.python_widget = QgsFileWidget(group)
        self.python_widget.setStorageMode(QgsFileWidget.GetFile)
        self.python_widget.lineEdit().setPlaceholderText(tr("[Find automatically]"))
        self.python_widget.setFilePath(environment.configured_python())
        form.addRow(tr("Python interpreter"), self.python_widget)
        self.status_label = QLabel(group)
        self.status_label.setWordWrap(True)
        form.addRow("", self.status_label)
        self.wheelhouse_widget = QgsFileWidget(group)
        self.wheelhouse_widget.setStorageMode(QgsFileWidget.GetDirectory)
        self.wheelhouse_widget.lineEdit().setPlaceholderText(
            tr("[Download from the package index]")
        )
        self.wheelhouse_widget.setFilePath(str(settings.value(settings.WHEELHOUSE, "") or ""))
        self.wheelhouse_widget.fileChanged.connect(self._show_install_text)
        form.addRow(tr("Offline wheelhouse folder"), self.wheelhouse_widget)
        self.install_text = QPlainTextEdit(group)
        self.install_text.setReadOnly(True)
        self.install_text.setMaximumHeight(70)
        form.addRow(tr("Install command"), self.install_text)
        self._show_install_text()
        row = QHBoxLayout()
        self.check_button = QPushButton(tr("Check"), group)
        self.check_button.clicked.connect(self.check)
        self.install_button = QPushButton(tr("Install…"), group)
        self.install_button.clicked.connect(self.install)
        self.training_button = QPushButton(tr("Install training support…"), group)
        self.training_button.setToolTip(
            tr(
                "Adds PyTorch and ultralytics (about {size} GB) to LandSeg's environment: "
                "segmenting needs neither, fine-tuning needs both."
            ).format(size=installer.TRAINING_SIZE_GB)
        )
        self.training_button.clicked.connect(lambda: self.install(training=True))
        self.diagnostics_button = QPushButton(tr("Diagnostics…"), group)
        self.diagnostics_button.setToolTip(
            tr(
                "What this environment can run: versions, runtimes, GPUs and why one is "
                "unused, folders (landseg doctor). Copy it into a bug report."
            )
        )
        self.diagnostics_button.clicked.connect(self.diagnose)
        row.addWidget(self.check_button)
        row.addWidget(self.install_button)
        row.addWidget(self.training_button)
        row.addWidget(self.diagnostics_button)
        row.addStretch(1)
        form.addRow("", row)
        layout.addWidget(group)

        model_group = QGroupBox(tr("Models"), self)
        model_form = QFormLayout(model_group)
        self.model_widget = model_file_widget(
            model_group, MODEL_FILTER, tr("[Model shipped with LandSeg]")
        )
        self.model_widget.setFilePath(str(settings.value(settings.DEFAULT_MODEL, "") or ""))
        model_form.addRow(tr("Default model"), self.model_widget)
        layout.addWidget(model_group)

        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.env: environment.Environment | None = None
        self.check(use_cache=True)

    def check(self, use_cache: bool = False) -> environment.Environment | None:
        """Probe the interpreter in the field (or find one) and show the result."""
        configured = self.python_widget.filePath().strip()
        if not use_cache:
            environment.clear_cache()
        problem = ""
        if configured:
            probed = environment.probe(configured, source="settings")
            self.env = probed if probed.ok else None
            problem = probed.problem
        else:
            self.env = environment.detect()
        text = describe_environment(self.env)
        for extra in (problem, environment.version_problem(self.env)):
            if extra:
                text += " " + extra
        self.status_label.setText(text)
        self.training_button.setVisible(self.env is not None and not self.env.training)
        return self.env

    def wheelhouse(self) -> str | None:
        return self.wheelhouse_widget.filePath().strip() or None

    def _show_install_text(self, *_args) -> None:
        found = installer.install_plan(self.wheelhouse())
        self.install_text.setPlainText(found.text() if found else installer.install_command_text())

    def install(self, *, training: bool = False) -> InstallDialog | None:
        """Install (or upgrade) the environment in a task, its output in a dialog: the
        inference core, or with ``training`` the training support too."""
        found = installer.install_plan(self.wheelhouse(), training=training)
        if found is None:
            self.status_label.setText(installer.install_command_text())
            return None
        problem = installer.space_problem(found)
        if problem:
            self.status_label.setText(problem)
            return None
        if not self.confirm_install(found):
            return None
        settings.set_value(settings.WHEELHOUSE, self.wheelhouse() or "")
        warm_worker.stop_all()  # the worker's environment is about to change
        self.install_dialog = InstallDialog(found, self.wheelhouse(), self)
        self.install_dialog.installFinished.connect(lambda ok: self.check())
        self.install_dialog.show()
        self.install_dialog.start()
        return self.install_dialog

    def diagnose(self) -> WorkerTask | None:
        """Run ``landseg doctor`` in the environment, in a task; its report in a viewer."""
        env = self.check()
        if env is None:
            return None
        self.diagnostics_button.setEnabled(False)
        task = WorkerTask(
            tr("LandSeg: diagnostics"), env.python, [WorkerStep("doctor", ["doctor"])]
        )
        task.add_callback(self._show_diagnostics)
        self.diagnostics_task = task
        start(task)
        return task

    def _show_diagnostics(self, task: WorkerTask) -> None:
        with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
            self.diagnostics_button.setEnabled(True)
            run = task.outcome.runs.get("doctor")
            error = task.outcome.error
            report = "\n".join(run.stdout) if run else (error.message if error else "")
            details = error.details if error else ""
            self.diagnostics_viewer = show_details(self, tr("LandSeg diagnostics"), report, details)

    def confirm_install(self, plan_: installer.InstallPlan) -> bool:
        """Ask before installing (tests replace this): how much, from where, into which folder."""
        source = (
            tr("from your wheelhouse folder")
            if self.wheelhouse()
            else tr("downloaded from the package index")
        )
        answer = QMessageBox.question(
            self,
            tr("Install LandSeg's Python environment"),
            tr("This installs about {size} GB, {source}, into {folder}. Install now?").format(
                size=f"{plan_.size_gb:.1f}", source=source, folder=plan_.env_dir
            ),
        )
        return answer == QMessageBox.Yes

    def validate(self) -> list[str]:
        errors = []
        model = self.model_widget.filePath().strip()
        if model and not Path(model).is_file():
            errors.append(tr("Model file '{path}' does not exist.").format(path=model))
        return errors

    def accept(self) -> None:
        errors = self.validate()
        if errors:
            self.status_label.setText("\n".join(errors))
            return
        settings.set_value(settings.PYTHON, self.python_widget.filePath().strip())
        settings.set_value(settings.DEFAULT_MODEL, self.model_widget.filePath().strip())
        environment.clear_cache()
        warm_worker.stop_all()  # the next job starts a worker on the chosen interpreter
        super().accept()
