"""LandSeg's Processing provider (id ``landseg``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = Path(__file__).resolve().parent


class LandSegProvider(QgsProcessingProvider):
    """Groups LandSeg's algorithms in the Processing Toolbox."""

    def id(self) -> str:
        return "landseg"

    def name(self) -> str:
        return "LandSeg"

    def icon(self) -> QIcon:
        return QIcon(str(PLUGIN_DIR / "icon.svg"))

    def loadAlgorithms(self) -> None:
        """Algorithms are added as the backend gains them."""
