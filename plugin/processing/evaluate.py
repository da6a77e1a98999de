"""Processing ▸ LandSeg ▸ Evaluate (``landseg evaluate``)."""

from __future__ import annotations

import tempfile
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputString,
    QgsProcessingParameterFileDestination,
)

from .. import backend
from ..translation import tr
from .base import LandSegAlgorithm, run_backend


class EvaluateAlgorithm(LandSegAlgorithm):
    """Per-class figures of a map or of a model on a dataset."""

    ALG_ID = "evaluate"
    GROUP_ID = "training"

    def displayName(self) -> str:
        return tr("Evaluate")

    def shortHelpString(self) -> str:
        return tr(
            "Per-class accuracy figures, in one of two ways.\n\n"
            "Model on a dataset: give a dataset folder (and a model; empty uses the default "
            "model) to get box and mask precision, recall, mAP50 and mAP50-95 on its "
            "validation split.\n\n"
            "Polygons against labels: give predicted polygons (e.g. from 'Segment land "
            "cover') and labelled polygons with their class field to get map-level "
            "precision, recall, F1 and area figures.\n\n"
            "The figures are written as JSON and shown in the log."
        )

    def initAlgorithm(self, config: dict | None = None) -> None:
        self._add_model_file("MODEL", tr("Model file (dataset level; empty: default model)"))
        self._add_folder("DATA", tr("Dataset folder (dataset level)"), optional=True)
        self._add_polygons("PREDICTIONS", tr("Predicted polygons (map level)"), optional=True)
        self._add_polygons("LABELS", tr("Labelled polygons (map level)"), optional=True)
        self._add_class_field(tr("Class field of the labels (map level)"))
        self._add_confidence(tr("Minimum confidence (map level)"))
        self._add_device()
        self.addParameter(
            QgsProcessingParameterFileDestination(
                "OUTPUT", tr("Figures (JSON)"), fileFilter="JSON (*.json)"
            )
        )
        self.addOutput(QgsProcessingOutputString("TABLE", tr("Figures as a table")))

    def checkParameterValues(self, parameters: dict, context: QgsProcessingContext):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        dataset = bool(parameters.get("DATA"))
        polygons = bool(parameters.get("PREDICTIONS")) or bool(parameters.get("LABELS"))
        if dataset and polygons:
            return False, tr(
                "Give either a dataset folder (model on a dataset) or predicted and labelled "
                "polygons (map level), not both."
            )
        if polygons and not (parameters.get("PREDICTIONS") and parameters.get("LABELS")):
            return False, tr("Map-level evaluation needs both predicted and labelled polygons.")
        if not dataset and not polygons:
            return False, tr(
                "Give a dataset folder (model on a dataset) or predicted and labelled polygons "
                "(map level)."
            )
        return True, ""

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        output = self._output(parameters, context)
        if parameters.get("PREDICTIONS"):
            folder = tempfile.mkdtemp(prefix="landseg-evaluate-")
            args = backend.evaluate_args(
                json_path=output,
                predictions=self._vector_path(parameters, "PREDICTIONS", context, folder),
                labels=self._vector_path(parameters, "LABELS", context, folder),
                class_field=self._class_field(parameters, context),
                conf=self.parameterAsDouble(parameters, "CONFIDENCE", context),
            )
        else:
            args = backend.evaluate_args(
                json_path=output,
                model=self._model(parameters, "MODEL", context),
                data=self.parameterAsFile(parameters, "DATA", context),
                device=self._device(parameters, context),
            )
        run = run_backend(args, feedback, output=output)
        table = "\n".join(run.stdout)
        feedback.pushInfo(table)
        return {"OUTPUT": output, "TABLE": table}
