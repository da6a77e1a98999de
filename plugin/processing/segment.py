"""Processing ▸ LandSeg ▸ Segment land cover (``landseg segment``)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorDestination,
    QgsProcessingUtils,
)

from .. import backend, layers, sources
from ..messages import segment_summary
from ..translation import tr
from .base import LandSegAlgorithm, layer_errors, run_backend


class ClassStyle(QgsProcessingLayerPostProcessorInterface):
    """Gives a result Processing loads the class style its GeoPackage holds: Processing loads
    layers without their default style."""

    _instance: ClassStyle | None = None

    @classmethod
    def instance(cls) -> ClassStyle:
        """The one post-processor (it must outlive the algorithm that hands it over)."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def postProcessLayer(self, layer, context, feedback) -> None:
        _message, loaded = layer.loadDefaultStyle()
        if loaded:
            layer.triggerRepaint()


class SegmentAlgorithm(LandSegAlgorithm):
    """Land-cover polygons from a raster layer."""

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
        "RESUME": "resume",
        "REVIEW": "review",
        "MIN_P_CORRECT": "min_p_correct",
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
            "A calibrated model (the default model, or one fine-tuned with LandSeg) gives each "
            "polygon p_correct, its probability of being right; a minimum keeps only those at "
            "least that likely.\n\n"
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
        self._add_number(
            "MIN_P_CORRECT",
            tr("Keep polygons at least this likely to be right (0-1, empty: all)"),
            float,
            optional=True,
            minimum=0.0,
            maximum=1.0,
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                "REVIEW",
                tr("Prepare a review (priority per polygon, and a 'review' layer)"),
                defaultValue=False,
            )
        )
        resume = QgsProcessingParameterBoolean(
            "RESUME", tr("Resume an interrupted run to this output"), defaultValue=False
        )
        resume.setFlags(resume.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(resume)
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
            resume=self.parameterAsBoolean(parameters, "RESUME", context),
            review=self.parameterAsBoolean(parameters, "REVIEW", context),
            min_p_correct=self._optional_number(parameters, "MIN_P_CORRECT", context, float),
            checkpoint=False if _temporary(output) else None,  # never resumed: keep nothing
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
            details.setPostProcessor(ClassStyle.instance())
        return {
            "OUTPUT": output,
            "INSTANCES": sum(counts.values()),
            "COUNTS": json.dumps(counts),
            "DEVICE_USED": result.get("device", ""),
            "TIME_S": total,
        }


def _temporary(output: str) -> bool:
    """Whether ``output`` is one of Processing's temporary outputs (in its temporary folder)."""
    folder = Path(QgsProcessingUtils.tempFolder()).resolve()
    return folder in Path(output).resolve().parents
