"""LandSeg's Processing algorithms: each turns its parameters into one backend command.

The backend runs as a worker subprocess (see ``worker.py``); progress and cancel go through
``QgsProcessingFeedback``. Usable from the toolbox, batch mode, models, ``processing.run`` and
``qgis_process run landseg:segment -- INPUT=... OUTPUT=...``.
"""

from __future__ import annotations

import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMatrix,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtGui import QIcon

from . import backend, environment, layers, paths, settings, sources
from .messages import segment_summary
from .translation import tr
from .warm_worker import run_job
from .worker import WorkerCancelled, WorkerError, WorkerRun, remove_partial_outputs

PLUGIN_DIR = Path(__file__).resolve().parent
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
    except WorkerCancelled:
        if output:
            remove_partial_outputs(output)
        raise QgsProcessingException(
            tr("Cancelled: the LandSeg worker was stopped and wrote no output.")
        ) from None
    except WorkerError as error:  # the worker removed its own partial files; another run's stay
        raise QgsProcessingException(
            tr("LandSeg failed: {message}").format(message=error.message)
        ) from None


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


class SegmentAlgorithm(LandSegAlgorithm):
    ALG_ID = "segment"
    GROUP_ID = "segmentation"
    # Processing parameter -> the backend option it sets (a test checks them against the schema)
    OPTIONS: ClassVar[dict[str, str]] = {
        "AOI": "aoi",
        "EXTENT": "bbox",
        "PIXEL_SIZE": "pixel_size_m",
        "MODEL": "model",
        "CONFIDENCE": "conf",
        "TILE_SIZE": "tile_size_px",
        "OVERLAP": "overlap_px",
        "DEVICE": "device",
        "MIN_AREA": "min_area_m2",
        "SIMPLIFY": "simplify_tolerance_m",
    }

    def displayName(self) -> str:
        return tr("Segment land cover")

    def shortHelpString(self) -> str:
        return tr(
            "Segments a georeferenced aerial raster into land-cover polygons (roofs, farms, "
            "rice fields, barren land) with a YOLOv8 instance-segmentation model, tile by tile, "
            "merging objects cut by tile seams. The result is a GeoPackage styled with one "
            "colour per class.\n\n"
            "Model: a .pt or .onnx file; empty uses the default model. Tile size and overlap: "
            "empty uses the values stored in the model. Minimum area (m²) drops small "
            "polygons; simplification (m) defaults to one pixel. Device 'auto' uses a CUDA "
            "GPU when there is one.\n\n"
            "Area: polygons (any CRS; 'selected features only' is honoured) and/or an extent "
            "limit the work to tiles touching them and clip the result to them. XYZ tile "
            "layers need one of them. Pixel size (m): empty uses the model's training pixel "
            "size.\n\n"
            "The work runs in LandSeg's own Python environment, outside QGIS; cancelling stops "
            "it and writes nothing."
        )

    def initAlgorithm(self, config: dict | None = None) -> None:
        self.addParameter(QgsProcessingParameterRasterLayer("INPUT", tr("Raster layer")))
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "AOI",
                tr("Area of interest polygons"),
                types=[QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterExtent("EXTENT", tr("Extent"), optional=True))
        self._add_number(
            "PIXEL_SIZE",
            tr("Pixel size in metres (empty: the model's training pixel size)"),
            float,
            optional=True,
            minimum=0.0,
        )
        self._add_model_file("MODEL", tr("Model file (empty: default model)"))
        self._add_confidence(tr("Minimum confidence"))
        self._add_number(
            "TILE_SIZE",
            tr("Tile size in pixels (empty: from the model)"),
            optional=True,
            minimum=32,
            maximum=8192,
        )
        self._add_number(
            "OVERLAP",
            tr("Tile overlap in pixels (empty: from the model)"),
            optional=True,
            minimum=0,
            maximum=4096,
        )
        self._add_device()
        self._add_number(
            "MIN_AREA", tr("Minimum polygon area (m²)"), float, default=1.0, minimum=0.0
        )
        self._add_number(
            "SIMPLIFY",
            tr("Simplification tolerance (m, empty: one pixel)"),
            float,
            optional=True,
            minimum=0.0,
        )
        self.addParameter(
            QgsProcessingParameterVectorDestination(
                "OUTPUT", tr("Land cover"), type=QgsProcessing.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber("INSTANCES", tr("Number of polygons")))
        self.addOutput(QgsProcessingOutputString("COUNTS", tr("Polygons per class (JSON)")))
        self.addOutput(QgsProcessingOutputString("DEVICE_USED", tr("Device used")))
        self.addOutput(QgsProcessingOutputNumber("TIME_S", tr("Run time (s)")))

    @staticmethod
    def _given(parameters: dict, name: str) -> bool:
        value = parameters.get(name)
        return value is not None and value != ""

    def problems(self, parameters: dict, context: QgsProcessingContext) -> list[str]:
        found = super().problems(parameters, context)
        layer = self.parameterAsRasterLayer(parameters, "INPUT", context)
        try:
            sources.backend_source(layer)
        except ValueError as error:
            return [*found, str(error)]
        has_area = self._given(parameters, "AOI") or self._given(parameters, "EXTENT")
        if sources.is_xyz(layer) and not has_area:
            found.append(
                tr(
                    "XYZ layer '{name}' covers the whole world: give an area of interest or an "
                    "extent."
                ).format(name=layer.name())
            )
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        if output and Path(output).suffix.lower() != ".gpkg":
            found.append(
                tr("The output must be a GeoPackage (.gpkg), not '{path}'.").format(path=output)
            )
        return found

    def _area(self, parameters, context, layer) -> dict[str, Any]:
        """``aoi`` (a GeoPackage of the polygons) and ``bbox`` (in the raster's CRS)."""
        area: dict[str, Any] = {}
        if self._given(parameters, "AOI"):
            source = self.parameterAsSource(parameters, "AOI", context)
            if source is not None:
                with layer_errors():
                    area["aoi"] = layers.write_polygons(
                        source.getFeatures(), source.sourceCrs(), source.wkbType()
                    )
        if self._given(parameters, "EXTENT"):
            extent = self.parameterAsExtent(parameters, "EXTENT", context, layer.crs())
            if not extent.isNull() and not extent.isEmpty():
                area["bbox"] = (
                    extent.xMinimum(),
                    extent.yMinimum(),
                    extent.xMaximum(),
                    extent.yMaximum(),
                )
        return area

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        started = time.monotonic()  # TIME_S counts from here: worker start and waits included
        layer = self.parameterAsRasterLayer(parameters, "INPUT", context)
        with layer_errors():
            raster = sources.backend_source(layer)
        destination = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        output = self._output(parameters, context, "layer")
        if Path(output).suffix.lower() != ".gpkg":
            raise QgsProcessingException(
                tr("The output must be a GeoPackage (.gpkg), not '{path}'.").format(path=output)
            )
        args = backend.segment_args(
            raster,
            output,
            model=self._model(parameters, "MODEL", context),
            tile_size_px=self._optional_number(parameters, "TILE_SIZE", context),
            overlap_px=self._optional_number(parameters, "OVERLAP", context),
            conf=self.parameterAsDouble(parameters, "CONFIDENCE", context),
            device=self._device(parameters, context),
            min_area_m2=self.parameterAsDouble(parameters, "MIN_AREA", context),
            simplify_tolerance_m=self._optional_number(parameters, "SIMPLIFY", context, float),
            overwrite=True,  # Processing replaces its destinations
            pixel_size_m=self._optional_number(parameters, "PIXEL_SIZE", context, float),
            crs=sources.assigned_crs(layer),
            **self._area(parameters, context, layer),
        )
        result = run_backend(args, feedback, output=output).result
        counts = result.get("counts", {})
        total = time.monotonic() - started
        feedback.pushInfo(segment_summary(result, total))
        for warning in result.get("warnings", []):
            feedback.reportError(warning, fatalError=False)
        if context.willLoadLayerOnCompletion(destination):
            details = context.layerToLoadOnCompletionDetails(destination)
            details.forceName = True
            details.name = f"{layer.name()} {tr('land cover')}"
        return {
            "OUTPUT": output,
            "INSTANCES": sum(counts.values()),
            "COUNTS": json.dumps(counts),
            "DEVICE_USED": result.get("device", ""),
            "TIME_S": total,
        }


class ExportDatasetAlgorithm(LandSegAlgorithm):
    ALG_ID = "export_dataset"
    GROUP_ID = "training"

    def displayName(self) -> str:
        return tr("Export training dataset")

    def shortHelpString(self) -> str:
        return tr(
            "Cuts rasters and your labelled polygons into a YOLO-seg training dataset (image "
            "tiles, polygon labels, data.yaml and stats.json with instance counts and balanced "
            "class weights). The train/validation split is spatially blocked, so no pixel is "
            "seen on both sides.\n\n"
            "Class field: the label attribute holding the class; or give one class value for "
            "every feature. Class mapping renames label values to model classes "
            "(e.g. building=roof,field=farm); model classes fixes the class order "
            "(e.g. roof,farm,rice-fields,Baren-Land). The output folder must be new or empty."
        )

    def initAlgorithm(self, config: dict | None = None) -> None:
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                "RASTERS", tr("Raster layers"), layerType=QgsProcessing.TypeRaster
            )
        )
        self._add_polygons("LABELS", tr("Labelled polygons"))
        self._add_class_field(tr("Class field"))
        self.addParameter(
            QgsProcessingParameterString(
                "CLASS_VALUE", tr("One class for every feature (instead of a field)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterMatrix(
                "CLASS_TABLE",
                tr("Class mapping: label value → model class (one row per value)"),
                headers=[tr("Label value"), tr("Model class")],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                "CLASS_MAP", tr("Class mapping (value=class,...)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                "CLASSES", tr("Model classes in order (class,class,...)"), optional=True
            )
        )
        self._add_number(
            "TILE_SIZE", tr("Tile size in pixels"), default=512, minimum=32, maximum=8192
        )
        self._add_number(
            "OVERLAP", tr("Tile overlap in pixels"), default=64, minimum=0, maximum=4096
        )
        self._add_number(
            "VAL_FRACTION", tr("Validation share"), float, default=0.2, minimum=0.0, maximum=0.9
        )
        self._add_number("SEED", tr("Random seed"), default=0, minimum=0)
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", tr("Dataset folder")))
        self.addOutput(QgsProcessingOutputFile("STATS", tr("Dataset statistics (stats.json)")))
        self.addOutput(QgsProcessingOutputString("INSTANCES", tr("Instances per class (JSON)")))

    def problems(self, parameters: dict, context: QgsProcessingContext) -> list[str]:
        found = super().problems(parameters, context)
        field = self._class_field(parameters, context)
        if not field and not parameters.get("CLASS_VALUE"):
            found.append(
                tr(
                    "Choose the class field of the label layer (or give one class value for "
                    "every feature)."
                )
            )
        labels = self.parameterAsVectorLayer(parameters, "LABELS", context)
        if field and labels is not None and labels.fields().indexOf(field) < 0:
            found.append(
                tr("The label layer '{layer}' has no field '{field}'.").format(
                    layer=labels.name(), field=field
                )
            )
        return found

    def _class_map(self, parameters: dict, context: QgsProcessingContext) -> dict | None:
        """The mapping from the table (rows of label value, model class) and the text."""
        cells = [str(c).strip() for c in self.parameterAsMatrix(parameters, "CLASS_TABLE", context)]
        mapping = {v: c for v, c in zip(cells[::2], cells[1::2], strict=False) if v and c}
        text = self.parameterAsString(parameters, "CLASS_MAP", context).strip()
        if text:
            pairs = [item.split("=", 1) for item in text.split(",")]
            if any(len(pair) != 2 for pair in pairs):
                raise QgsProcessingException(
                    tr("Class mapping '{text}' is not like building=roof,field=farm.").format(
                        text=text
                    )
                )
            mapping |= {k.strip(): v.strip() for k, v in pairs}
        return mapping or None

    def _describe_classes(self, parameters, context, feedback, classes, class_map) -> None:
        """Log the class field's values and counts; warn about ids and unmatched values."""
        field = self._class_field(parameters, context)
        labels = self.parameterAsVectorLayer(parameters, "LABELS", context)
        if not field or labels is None:
            return
        counts = layers.class_counts(labels, field)
        feedback.pushInfo(
            tr("Values of '{field}': {values}").format(
                field=field, values=backend.format_counts(counts)
            )
        )
        if layers.looks_like_ids(labels, field, counts):
            feedback.reportError(layers.ids_warning(field), fatalError=False)
        if classes:
            mapped = {value: (class_map or {}).get(value, value) for value in counts}
            unknown = [value for value, name in mapped.items() if name not in classes]
            if unknown:
                feedback.reportError(
                    tr(
                        "Values of '{field}' that are none of the model's classes ({classes}) "
                        "and have no mapping: {values}. Map them (value=class) or they are "
                        "left out."
                    ).format(field=field, classes=", ".join(classes), values=", ".join(unknown)),
                    fatalError=False,
                )

    def processAlgorithm(
        self, parameters: dict, context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        rasters = self.parameterAsLayerList(parameters, "RASTERS", context)
        if not rasters:
            raise QgsProcessingException(tr("Choose at least one raster layer."))
        with layer_errors():
            raster_paths = [layers.raster_path(layer) for layer in rasters]
        labels = self._vector_path(
            parameters, "LABELS", context, tempfile.mkdtemp(prefix="landseg-labels-")
        )
        output = self._output(parameters, context, "folder")
        class_map = self._class_map(parameters, context)
        classes_text = self.parameterAsString(parameters, "CLASSES", context).strip()
        classes = [c.strip() for c in classes_text.split(",")] if classes_text else None
        self._describe_classes(parameters, context, feedback, classes, class_map)
        args = backend.export_dataset_args(
            raster_paths,
            labels,
            output,
            class_field=self._class_field(parameters, context),
            class_value=self.parameterAsString(parameters, "CLASS_VALUE", context).strip() or None,
            class_map=class_map,
            classes=classes,
            tile_size_px=self.parameterAsInt(parameters, "TILE_SIZE", context),
            overlap_px=self.parameterAsInt(parameters, "OVERLAP", context),
            val_fraction=self.parameterAsDouble(parameters, "VAL_FRACTION", context),
            seed=self.parameterAsInt(parameters, "SEED", context),
            crs=next(filter(None, map(sources.assigned_crs, rasters)), None),
        )
        run = run_backend(args, feedback)
        for line in run.stdout:
            feedback.pushInfo(line)
        stats_path = Path(output) / "stats.json"
        instances = {}
        if stats_path.is_file():
            instances = json.loads(stats_path.read_text(encoding="utf-8")).get("instances", {})
        return {"OUTPUT": output, "STATS": str(stats_path), "INSTANCES": json.dumps(instances)}


class TrainAlgorithm(LandSegAlgorithm):
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


class EvaluateAlgorithm(LandSegAlgorithm):
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


class ReportAlgorithm(LandSegAlgorithm):
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
    return tr(
        "This LandSeg environment has no 'report' command yet: update LandSeg in its Python "
        "environment (see the LandSeg settings) to write training reports."
    )


ALGORITHMS = (
    SegmentAlgorithm,
    ExportDatasetAlgorithm,
    TrainAlgorithm,
    EvaluateAlgorithm,
    ReportAlgorithm,
)
