"""Real headless QGIS for plugin tests (no mocks): one QgsApplication per test session."""

from __future__ import annotations

import os
import sys

import pytest

PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"


@pytest.fixture(scope="session")
def qgis_app():
    """A started ``QgsApplication`` (offscreen) with Processing initialised."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # opencv-python points Qt at its own platform plugins when imported; QGIS needs its own.
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    if PROCESSING_PLUGINS not in sys.path:
        sys.path.append(PROCESSING_PLUGINS)
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    yield app
    app.exitQgis()
