"""Real headless QGIS for plugin tests (no mocks): one QgsApplication per test session."""

from __future__ import annotations

import gc
import os
import sys

import pytest

PROCESSING_PLUGINS = "/usr/share/qgis/python/plugins"


@pytest.fixture(scope="session")
def qgis_app(tmp_path_factory):
    """A started ``QgsApplication`` (offscreen) with Processing initialised.

    Settings go to a private folder, so tests never read or change the user's QGIS settings.
    """
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # opencv-python points Qt at its own platform plugins when imported; QGIS needs its own.
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    if PROCESSING_PLUGINS not in sys.path:
        sys.path.append(PROCESSING_PLUGINS)
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QSettings

    app = QgsApplication([], True)
    app.initQgis()
    # QgsApplication points QSettings at the user's profile: redirect it afterwards.
    settings_dir = str(tmp_path_factory.mktemp("qgis_settings"))
    for settings_format in (QSettings.NativeFormat, QSettings.IniFormat):
        QSettings.setPath(settings_format, QSettings.UserScope, settings_dir)
    from qgis.core import QgsSettings

    assert QgsSettings().fileName().startswith(settings_dir)
    QgsSettings().setValue("locale/userLocale", "en_US")  # tests read English messages
    from processing.core.Processing import Processing

    Processing.initialize()
    yield app
    gc.collect()  # layers a test left go while QGIS still runs (freed after exitQgis: a crash)
    app.exitQgis()


@pytest.fixture
def clean_settings(qgis_app):
    """No LandSeg settings before the test, none left after it."""
    from qgis.core import QgsSettings

    QgsSettings().remove("landseg")
    yield
    QgsSettings().remove("landseg")


@pytest.fixture
def project(qgis_app):
    """The project, emptied before and after the test."""
    from qgis.core import QgsProject

    QgsProject.instance().removeAllMapLayers()
    yield QgsProject.instance()
    QgsProject.instance().removeAllMapLayers()


@pytest.fixture
def iface(qgis_app):
    from tests.plugin.harness import IfaceHarness

    harness = IfaceHarness()
    yield harness
    harness.bar.clearWidgets()
    harness.window.close()


@pytest.fixture
def gui_plugin(iface, clean_settings, project):
    """The plugin loaded as QGIS desktop loads it (classFactory, initGui), unloaded after."""
    import plugin

    instance = plugin.classFactory(iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture
def provider(qgis_app):
    """LandSeg's Processing provider, registered headless (``iface=None``) for one test."""
    from qgis.core import QgsApplication

    import plugin

    instance = plugin.classFactory(None)
    instance.initProcessing()
    yield QgsApplication.processingRegistry().providerById("landseg")
    instance.unload()


@pytest.fixture(scope="session")
def tiny_model(tiny_run):
    """The tiny trained model (128 px tiles) from ``tiny_run``."""
    return str(tiny_run[0] / "best.pt")


@pytest.fixture(scope="session")
def worker_python():
    """The interpreter the plugin finds for the backend (the checkout's .venv)."""
    from plugin import environment

    env = environment.detect()
    assert env is not None, "the checkout's .venv must import landseg"
    return env.python
