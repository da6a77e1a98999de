"""LandSeg: land-cover instance segmentation of georeferenced aerial rasters.

The public Python API; each name is imported on first use, so ``import landseg`` stays fast
and imports neither torch nor ultralytics::

    import landseg

    result = landseg.segment("ortho.tif", "landcover.gpkg")
    metrics = landseg.evaluate_map("landcover.gpkg", "parcels.gpkg")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_API = {
    "segment": "landseg.inference.pipeline",
    "SegmentationResult": "landseg.inference.pipeline",
    "load_model": "landseg.inference.runtimes.loading",
    "Segmenter": "landseg.inference.segmenter",
    "Tile": "landseg.inference.segmenter",
    "TileInstance": "landseg.inference.segmenter",
    "ModelInfo": "landseg.inference.runtimes.model_files",
    "export_dataset": "landseg.training.dataset",
    "DatasetStats": "landseg.training.dataset",
    "train": "landseg.training.train",
    "resume_training": "landseg.training.train",
    "TrainOptions": "landseg.training.options",
    "evaluate_dataset": "landseg.evaluation.tiles",
    "evaluate_map": "landseg.evaluation.maps",
    "MapMetrics": "landseg.evaluation.maps",
    "ClassMetrics": "landseg.evaluation.maps",
    "build_report": "landseg.reporting.report",
    "compare_runs": "landseg.reporting.compare",
}
# Where the public name differs from the defining module's own.
_ALIASES = {"load_model": "load", "resume_training": "resume"}

__all__ = [
    "ClassMetrics",
    "DatasetStats",
    "MapMetrics",
    "ModelInfo",
    "SegmentationResult",
    "Segmenter",
    "Tile",
    "TileInstance",
    "TrainOptions",
    "__version__",
    "build_report",
    "compare_runs",
    "evaluate_dataset",
    "evaluate_map",
    "export_dataset",
    "load_model",
    "resume_training",
    "segment",
    "train",
]

if TYPE_CHECKING:
    from landseg.evaluation.maps import ClassMetrics, MapMetrics, evaluate_map
    from landseg.evaluation.tiles import evaluate_dataset
    from landseg.inference.pipeline import SegmentationResult, segment
    from landseg.inference.runtimes.loading import load as load_model
    from landseg.inference.runtimes.model_files import ModelInfo
    from landseg.inference.segmenter import Segmenter, Tile, TileInstance
    from landseg.reporting.compare import compare_runs
    from landseg.reporting.report import build_report
    from landseg.training.dataset import DatasetStats, export_dataset
    from landseg.training.options import TrainOptions
    from landseg.training.train import resume as resume_training
    from landseg.training.train import train


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'landseg' has no attribute '{name}'")
    value = getattr(importlib.import_module(_API[name]), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
