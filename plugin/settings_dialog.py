"""Settings: the LandSeg Python environment (found, set, or installed) and the default model."""

from __future__ import annotations

from pathlib import Path

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QProcess, QProcessEnvironment, pyqtSignal
from qgis.PyQt.QtGui import QFont, QTextCursor
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from . import environment, settings
from .model_picker import MODEL_FILTER, model_file_widget
from .translation import tr
from .worker import worker_environment


def describe_environment(env: environment.Environment | None) -> str:
    if env is None:
        return tr("No LandSeg environment was found.")
    return tr("Using {python} (landseg {version}, found via {source}).").format(
        python=env.python, version=env.landseg_version or "?", source=env.source
    )


class InstallDialog(QDialog):
    """Runs install commands one after another and shows their output as it comes."""

    installFinished = pyqtSignal(bool)

    def __init__(self, commands: list[list[str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("LandSeg — Install the Python environment"))
        self.resize(720, 420)
        self.commands = [list(c) for c in commands]
        self.index = -1
        self.succeeded: bool | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel(tr("Installing…"), self)
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
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.MergedChannels)
        process_env = QProcessEnvironment()
        for key, value in worker_environment().items():
            process_env.insert(key, value)
        self.process.setProcessEnvironment(process_env)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error)

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        self.index += 1
        if self.index >= len(self.commands):
            self._end(True)
            return
        program, *args = self.commands[self.index]
        self._append(f"$ {' '.join([program, *args])}\n")
        root = environment.checkout_root()
        if root is not None:
            self.process.setWorkingDirectory(str(root))
        self.process.start(program, args)

    def _read(self) -> None:
        self._append(bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace"))

    def _append(self, text: str) -> None:
        self.output.moveCursor(QTextCursor.End)
        self.output.insertPlainText(text)
        self.output.ensureCursorVisible()

    def _finished(self, code: int, _status) -> None:
        self._read()
        if code != 0:
            self._append(tr("Exit code {code}.").format(code=code) + "\n")
            self._end(False)
        else:
            self._next()

    def _error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self._append(
                tr("Could not start: {program}").format(program=self.commands[self.index][0]) + "\n"
            )
            self._end(False)

    def _end(self, ok: bool) -> None:
        if self.succeeded is not None:
            return
        self.succeeded = ok
        environment.clear_cache()
        self.stop_button.setEnabled(False)
        self.status.setText(
            tr("Installation finished.") if ok else tr("Installation failed: see the output.")
        )
        self.installFinished.emit(ok)

    def stop(self) -> None:
        if self.process.state() != QProcess.NotRunning:
            self.process.terminate()
            if not self.process.waitForFinished(5000):
                self.process.kill()

    def reject(self) -> None:
        self.stop()
        super().reject()


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
        self.install_text = QPlainTextEdit(environment.install_command_text(), group)
        self.install_text.setReadOnly(True)
        self.install_text.setMaximumHeight(70)
        form.addRow(tr("Install command"), self.install_text)
        row = QHBoxLayout()
        self.check_button = QPushButton(tr("Check"), group)
        self.check_button.clicked.connect(self.check)
        self.install_button = QPushButton(tr("Install…"), group)
        self.install_button.clicked.connect(self.install)
        row.addWidget(self.check_button)
        row.addWidget(self.install_button)
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
        if problem:
            text += " " + problem
        self.status_label.setText(text)
        return self.env

    def install(self) -> InstallDialog:
        self.install_dialog = InstallDialog(environment.install_commands(), self)
        self.install_dialog.installFinished.connect(lambda ok: self.check())
        self.install_dialog.show()
        self.install_dialog.start()
        return self.install_dialog

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
        super().accept()
