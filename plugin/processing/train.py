"""Processing ▸ LandSeg ▸ Fine-tune (``landseg train``)."""

from __future__ import annotations

from typing import Any, ClassVar

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFolderDestination,
)

from .. import backend, environment
from ..translation import tr
from ..worker import WorkerError
from .base import LandSegAlgorithm, run_backend


class TrainAlgorithm(LandSegAlgorithm):
    """Fine-tune a model on an exported dataset."""

    ALG_ID = "train"
    GROUP_ID = "training"
    OPTIONS: ClassVar[dict[str, str]] = {
        "BASE_MODEL": "base_model",
        "EPOCHS": "epochs",
        "IMGSZ": "imgsz",
        "BATCH": "batch",
        "DEVICE": "device",
        "CLASS_BALANCING": "class_weights",
        "COPY_PASTE": "copy_paste",
        "LR": "lr0",
        "CONTINUE_EPOCHS": "continue_epochs",
        "CONTINUE_LR": "continue_lr",
    }

    def displayName(self) -> str:
        return tr("Fine-tune a model")

    def shortHelpString(self) -> str:
        return tr(
            "Fine-tunes a YOLOv8 segmentation model on a dataset made by 'Export training "
            "dataset', with class balancing (weights from the dataset's instance counts), "
            "copy-paste augmentation and an optional continued phase at a lower learning "
            "rate. Progress is reported per epoch with the validation mask mAP50.\n\n"
            "Base model: a .pt file to fine-tune; empty uses the default model. The run folder "
            "must be new or empty; it receives the weights (best.pt), the per-epoch record "
            "and the plots. Training on a CPU is slow: a GPU is used when available."
        )

    def initAlgorithm(self, config: dict | None = None) -> None:
        self._add_folder("DATA", tr("Dataset folder"))
        self._add_model_file("BASE_MODEL", tr("Base model (empty: default model)"))
        self._add_number("EPOCHS", tr("Epochs"), default=50, minimum=1, maximum=10000)
        self._add_number(
            "IMGSZ",
            tr("Image size in pixels (empty: the tile size)"),
            optional=True,
            minimum=32,
            maximum=4096,
        )
        self._add_number("BATCH", tr("Batch size"), default=8, minimum=1, maximum=512)
        self._add_device()
        self.addParameter(
            QgsProcessingParameterBoolean(
                "CLASS_BALANCING", tr("Balance classes (weights from instance counts)"), True
            )
        )
        self._add_number(
            "COPY_PASTE",
            tr("Copy-paste augmentation probability"),
            float,
            default=0.3,
            minimum=0.0,
            maximum=1.0,
        )
        self._add_number("LR", tr("Learning rate"), float, default=0.001, minimum=0.0, maximum=1.0)
        self._add_number(
            "CONTINUE_EPOCHS",
            tr("Continued phase: epochs (0: none)"),
            default=0,
            minimum=0,
            maximum=10000,
        )
        self._add_number(
            "CONTINUE_LR",
            tr("Continued phase: learning rate"),
            float,
            default=0.00005,
            minimum=0.0,
            maximum=1.0,
        )
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", tr("Run folder")))
        self.addOutput(QgsProcessingOutputFile("MODEL", tr("Trained model (best.pt)")))
        self.addOutput(QgsProcessingOutputFolder("RUN_DIR", tr("Run folder")))

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        base_model = self._model(parameters, "BASE_MODEL", context)
        if not base_model:
            base_model = self._shipped_model(feedback)
        args = backend.train_args(
            self.parameterAsFile(parameters, "DATA", context),
            self._output(parameters, context, "folder"),
            base_model=base_model,
            epochs=self.parameterAsInt(parameters, "EPOCHS", context),
            imgsz=self._optional_number(parameters, "IMGSZ", context),
            batch=self.parameterAsInt(parameters, "BATCH", context),
            device=self._device(parameters, context),
            class_weights="balanced"
            if self.parameterAsBoolean(parameters, "CLASS_BALANCING", context)
            else "none",
            copy_paste=self.parameterAsDouble(parameters, "COPY_PASTE", context),
            lr0=self.parameterAsDouble(parameters, "LR", context),
            continue_epochs=self.parameterAsInt(parameters, "CONTINUE_EPOCHS", context),
            continue_lr=self.parameterAsDouble(parameters, "CONTINUE_LR", context),
        )
        result = run_backend(args, feedback).result
        if not result.get("model"):
            raise QgsProcessingException(tr("Training finished without reporting a model."))
        feedback.pushInfo(tr("Trained model: {path}").format(path=result["model"]))
        return {
            "MODEL": result["model"],
            "RUN_DIR": result.get("run_dir", ""),
            "OUTPUT": result.get("run_dir", ""),
        }

    @staticmethod
    def _shipped_model(feedback: QgsProcessingFeedback) -> str:
        try:
            env = environment.require()
            return str(backend.model_info(env.python, None, "cpu").get("path", ""))
        except (environment.EnvironmentMissing, WorkerError) as error:
            raise QgsProcessingException(str(getattr(error, "message", error))) from None
