"""LandSeg's Processing provider (id ``landseg``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..translation import tr
from . import ALGORITHMS

PLUGIN_DIR = Path(__file__).resolve().parents[1]


class LandSegProvider(QgsProcessingProvider):
    """Groups LandSeg's algorithms in the Processing Toolbox."""

    def id(self) -> str:
        return "landseg"

    def name(self) -> str:
        return "LandSeg"

    def longName(self) -> str:
        return tr("LandSeg land-cover segmentation")

    def icon(self) -> QIcon:
        return QIcon(str(PLUGIN_DIR / "icon.svg"))

    def svgIconPath(self) -> str:
        return str(PLUGIN_DIR / "icon.svg")

    def loadAlgorithms(self) -> None:
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

    # The backend writes GeoPackages itself (with their class style): no other format, no
    # memory layers.
    def supportedOutputVectorLayerExtensions(self) -> list[str]:
        return ["gpkg"]

    def defaultVectorFileExtension(self, hasGeometry: bool = True) -> str:
        return "gpkg"

    def supportsNonFileBasedOutput(self) -> bool:
        return False
