"""Processing ▸ LandSeg ▸ Export training dataset (``landseg export-dataset``)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputString,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMatrix,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterString,
)

from .. import backend, layers, sources
from ..translation import tr
from .base import LandSegAlgorithm, layer_errors, run_backend


class ExportDatasetAlgorithm(LandSegAlgorithm):
    """A YOLO-seg dataset from rasters and labelled polygons."""

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
