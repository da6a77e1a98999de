"""LandSeg's Processing algorithms, one module each: each turns its parameters into one backend
command. Usable from the toolbox, batch mode, models, ``processing.run`` and
``qgis_process run landseg:segment -- INPUT=... OUTPUT=...``.
"""

from __future__ import annotations

from .evaluate import EvaluateAlgorithm
from .export_dataset import ExportDatasetAlgorithm
from .report import ReportAlgorithm
from .segment import SegmentAlgorithm
from .train import TrainAlgorithm

ALGORITHMS = (
    SegmentAlgorithm,
    ExportDatasetAlgorithm,
    TrainAlgorithm,
    EvaluateAlgorithm,
    ReportAlgorithm,
)
