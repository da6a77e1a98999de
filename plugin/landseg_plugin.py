"""The plugin object QGIS loads: registers the Processing provider (and, with a GUI, actions)."""

from __future__ import annotations

from qgis.core import QgsApplication

from .provider import LandSegProvider


class LandSegPlugin:
    """Registers LandSeg in QGIS; works with ``iface=None`` for headless use."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider: LandSegProvider | None = None

    def initProcessing(self) -> None:
        """Register the Processing provider (also called by ``qgis_process``)."""
        if self.provider is None:
            self.provider = LandSegProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        """Called by QGIS desktop after loading."""
        self.initProcessing()

    def unload(self) -> None:
        """Remove everything the plugin registered."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
