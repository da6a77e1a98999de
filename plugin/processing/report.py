"""Processing ▸ LandSeg ▸ Training report (``landseg report``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterFileDestination,
)

from .. import backend
from ..translation import tr
from .base import LandSegAlgorithm, run_backend


class ReportAlgorithm(LandSegAlgorithm):
    """The bilingual report of a training run."""

    ALG_ID = "report"
    GROUP_ID = "training"

    def displayName(self) -> str:
        return tr("Training report")

    def shortHelpString(self) -> str:
        return tr(
            "Writes the bilingual (English / Japanese) HTML performance report of a training "
            "run: per-epoch losses and mAP, per-class figures, class balance, and the "
            "feature-map and gradient analysis. Give the run folder made by 'Fine-tune a "
            "model'."
        )

    def initAlgorithm(self, config: dict | None = None) -> None:
        self._add_folder("RUN_DIR", tr("Run folder"))
        self.addParameter(
            QgsProcessingParameterFileDestination(
                "OUTPUT", tr("Report (HTML)"), fileFilter="HTML (*.html *.htm)"
            )
        )

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        output = self._output(parameters, context)
        args = backend.report_args(
            self.parameterAsFile(parameters, "RUN_DIR", context),
            output,
            overwrite=Path(output).exists(),
        )
        try:
            run_backend(args, feedback, output=output)
        except QgsProcessingException as error:
            if "No such command 'report'" in str(error):
                raise QgsProcessingException(report_missing_message()) from None
            raise
        return {"OUTPUT": output}


def report_missing_message() -> str:
    """What to do when the environment's LandSeg is too old to write reports."""
    return tr(
        "This LandSeg environment has no 'report' command yet: update LandSeg in its Python "
        "environment (see the LandSeg settings) to write training reports."
    )
