"""LandSeg QGIS plugin: a thin adapter from QGIS to the ``landseg`` backend."""


def classFactory(iface):
    """Entry point QGIS calls with its interface (``None`` under ``qgis_process``)."""
    from .landseg_plugin import LandSegPlugin

    return LandSegPlugin(iface)
