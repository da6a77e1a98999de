"""What every LandSeg Processing algorithm shares: naming, icon, parameters, the backend run.

The backend runs as a worker subprocess (see ``worker.py``); progress and cancel go through
``QgsProcessingFeedback``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorDestination,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtGui import QIcon

from .. import backend, environment, layers, paths, settings
from ..translation import tr
from ..warm_worker import run_job
from ..worker import WorkerCancelled, WorkerError, WorkerRun, remove_partial_outputs

PLUGIN_DIR = Path(__file__).resolve().parents[1]
DEVICES = list(settings.DEVICES)
MODEL_FILTER = "Models (*.pt *.onnx);;PyTorch (*.pt);;ONNX (*.onnx)"


def default_model() -> str | None:
    """The model made the default in the settings, if it still exists (else the shipped one)."""
    path = str(settings.value(settings.DEFAULT_MODEL, "") or "")
    return path if path and Path(path).is_file() else None


@contextmanager
def layer_errors():
    """A layer the backend cannot read (``ValueError`` from ``layers``) fails the algorithm."""
    try:
        yield
    except ValueError as error:
        raise QgsProcessingException(str(error)) from None


def run_backend(
    args: list[str], feedback: QgsProcessingFeedback | None, *, output: str | None = None
) -> WorkerRun:
    """Run a backend command for an algorithm; errors become ``QgsProcessingException``."""
    feedback = feedback or QgsProcessingFeedback()
    try:
        env = environment.require()
    except environment.EnvironmentMissing as error:
        raise QgsProcessingException(str(error)) from None
    feedback.pushCommandInfo(f"{env.python} -m landseg {' '.join(args)}")
    last_text = [""]

    def progress(fraction: float, message: str) -> None:
        feedback.setProgress(100.0 * fraction)
        if message and message != last_text[0]:
            last_text[0] = message
            feedback.setProgressText(message)

    try:
        return run_job(
            env.python,
            args,
            progress=progress,
            is_cancelled=feedback.isCanceled,
            on_log=feedback.pushConsoleInfo,
            on_start=lambda pid: feedback.pushDebugInfo(f"LandSeg worker PID {pid}"),
        )
    except WorkerCancelled as error:
        if output:
            remove_partial_outputs(output)
        if error.kept:
            raise QgsProcessingException(
                tr(
                    "Cancelled: the tiles segmented so far are kept in '{path}'; run again with "
                    "'Resume an interrupted run to this output' ticked to continue, or delete "
                    "that file."
                ).format(path=error.kept)
            ) from None
        raise QgsProcessingException(
            tr("Cancelled: the LandSeg worker was stopped and wrote no output.")
        ) from None
    except WorkerError as error:  # the worker removed its own partial files; another run's stay
        message = tr("LandSeg failed: {message}").format(message=error.message)
        if error.kept:
            message += " " + tr("Tick 'Resume an interrupted run to this output' to continue it.")
        raise QgsProcessingException(message) from None


class LandSegAlgorithm(QgsProcessingAlgorithm):
    """Shared plumbing: naming, icon, translation, instance creation."""

    ALG_ID = ""
    GROUP_ID = ""

    def name(self) -> str:
        return self.ALG_ID

    def groupId(self) -> str:
        return self.GROUP_ID

    def group(self) -> str:
        return {"segmentation": tr("Segmentation"), "training": tr("Training and evaluation")}[
            self.GROUP_ID
        ]

    def icon(self) -> QIcon:
        return QIcon(str(PLUGIN_DIR / "icon.svg"))

    def createInstance(self) -> LandSegAlgorithm:
        return type(self)()

    def tr(self, text: str) -> str:
        return tr(text)

    # --- checks before any work ---------------------------------------------------------------
    def checkParameterValues(self, parameters: dict, context: QgsProcessingContext):
        """QGIS's checks, then :meth:`problems`: all reported at once, before a worker starts."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        problems = self.problems(parameters, context)
        return (False, "\n".join(problems)) if problems else (True, "")

    def problems(self, parameters: dict, context: QgsProcessingContext) -> list[str]:
        """What stops a run (empty when nothing does); algorithms add their own checks."""
        found = []
        definition = self.parameterDefinition("OUTPUT")
        if definition is not None and parameters.get("OUTPUT") not in (None, ""):
            if isinstance(definition, QgsProcessingParameterVectorDestination):
                output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
            else:
                output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
            problem = paths.output_problem(output) if output else ""
            if problem:
                found.append(problem)
        for name in ("MODEL", "BASE_MODEL"):
            model = parameters.get(name)
            if isinstance(model, str) and model and not Path(paths.absolute_input(model)).is_file():
                found.append(
                    tr("Model file '{path}' does not exist: choose a .pt or .onnx file.").format(
                        path=model
                    )
                )
        if "TILE_SIZE" in parameters or "OVERLAP" in parameters:
            found += backend.tiling_problems(
                self._optional_number(parameters, "TILE_SIZE", context),
                self._optional_number(parameters, "OVERLAP", context),
            )
        return found

    # --- parameters -------------------------------------------------------------------------
    def _add_number(
        self,
        name: str,
        description: str,
        kind: type = int,
        *,
        default: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
        optional: bool = False,
    ) -> None:
        """An integer (``kind=int``) or decimal (``kind=float``) parameter; no bound: open."""
        limits = {"defaultValue": default, "minValue": minimum, "maxValue": maximum}
        self.addParameter(
            QgsProcessingParameterNumber(
                name,
                description,
                type=(
                    QgsProcessingParameterNumber.Integer
                    if kind is int
                    else QgsProcessingParameterNumber.Double
                ),
                optional=optional,
                **{key: value for key, value in limits.items() if value is not None},
            )
        )

    def _add_confidence(self, description: str) -> None:
        self._add_number("CONFIDENCE", description, float, default=0.25, minimum=0.0, maximum=1.0)

    def _add_model_file(self, name: str, description: str) -> None:
        """An optional model file (empty: the default model, see :meth:`_model`)."""
        self.addParameter(
            QgsProcessingParameterFile(
                name,
                description,
                behavior=QgsProcessingParameterFile.File,
                optional=True,
                fileFilter=MODEL_FILTER,
            )
        )

    def _add_folder(self, name: str, description: str, *, optional: bool = False) -> None:
        self.addParameter(
            QgsProcessingParameterFile(
                name, description, behavior=QgsProcessingParameterFile.Folder, optional=optional
            )
        )

    def _add_polygons(self, name: str, description: str, *, optional: bool = False) -> None:
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                name, description, types=[QgsProcessing.TypeVectorPolygon], optional=optional
            )
        )

    def _add_class_field(self, description: str) -> None:
        """The optional class field of the ``LABELS`` layer."""
        self.addParameter(
            QgsProcessingParameterField(
                "CLASS_FIELD", description, parentLayerParameterName="LABELS", optional=True
            )
        )

    def _add_device(self) -> None:
        self.addParameter(
            QgsProcessingParameterEnum(
                "DEVICE", tr("Device"), options=DEVICES, defaultValue=0, allowMultiple=False
            )
        )

    # --- values ---------------------------------------------------------------------------
    def _optional_number(self, parameters, name, context, kind=int):
        value = parameters.get(name)
        if value is None or value == "":
            return None
        getter = self.parameterAsInt if kind is int else self.parameterAsDouble
        return getter(parameters, name, context)

    def _device(self, parameters, context) -> str:
        return DEVICES[self.parameterAsEnum(parameters, "DEVICE", context)]

    def _model(self, parameters, name, context) -> str | None:
        """The model file given, else the default model (None: the shipped one)."""
        return self.parameterAsFile(parameters, name, context) or default_model()

    def _class_field(self, parameters, context) -> str | None:
        fields = self.parameterAsFields(parameters, "CLASS_FIELD", context)
        return fields[0] if fields else None

    def _output(self, parameters, context, kind: str = "file") -> str:
        """The ``OUTPUT`` destination, absolute, with its folder created (as QGIS's own do).

        ``kind``: ``layer`` (a vector destination), ``file`` or ``folder``.
        """
        if kind == "layer":
            raw = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        elif kind == "file":
            raw = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        else:
            raw = self.parameterAsString(parameters, "OUTPUT", context)
        output = paths.absolute_output(raw)
        try:
            paths.make_parent(output)
        except ValueError as error:
            raise QgsProcessingException(str(error)) from None
        return output

    def _vector_path(self, parameters, name, context, folder: str) -> str:
        layer = self.parameterAsVectorLayer(parameters, name, context)
        with layer_errors():
            return layers.vector_path(layer, folder=folder)
