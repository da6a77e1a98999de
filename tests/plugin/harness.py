"""A small, real stand-in for QGIS's ``iface`` in headless tests and screenshot scripts.

It is not a mock of QGIS classes: it is a ``QMainWindow`` holding a real ``QgsMessageBar``,
a real ``QgsMapCanvas``-free toolbar and menu, with exactly the methods the plugin calls.
"""

from __future__ import annotations

import time

from qgis.core import QgsProject
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QAction, QMainWindow, QMenu, QToolBar, QVBoxLayout, QWidget


class IfaceHarness:
    """What LandSeg uses of ``QgisInterface``."""

    def __init__(self) -> None:
        self.window = QMainWindow()
        central = QWidget(self.window)
        layout = QVBoxLayout(central)
        self.bar = QgsMessageBar(central)
        layout.addWidget(self.bar)
        self.window.setCentralWidget(central)
        self.toolbar = QToolBar("Plugins", self.window)
        self.window.addToolBar(self.toolbar)
        self.menus: dict[str, QMenu] = {}
        self.vector_menus: dict[str, QMenu] = {}
        self.vertex_tool = QAction("Vertex tool", self.window)  # QGIS's own map tool action
        self._active = None
        self.canvas = None  # a QgsMapCanvas when a test gives one (QGIS desktop always has one)

    def mainWindow(self) -> QMainWindow:
        return self.window

    def messageBar(self) -> QgsMessageBar:
        return self.bar

    def addToolBarIcon(self, action) -> None:
        self.toolbar.addAction(action)

    def removeToolBarIcon(self, action) -> None:
        self.toolbar.removeAction(action)

    def addPluginToRasterMenu(self, name: str, action) -> None:
        self.menus.setdefault(name, QMenu(name, self.window)).addAction(action)

    def removePluginRasterMenu(self, name: str, action) -> None:
        if name in self.menus:
            self.menus[name].removeAction(action)

    def addPluginToVectorMenu(self, name: str, action) -> None:
        self.vector_menus.setdefault(name, QMenu(name, self.window)).addAction(action)

    def removePluginVectorMenu(self, name: str, action) -> None:
        if name in self.vector_menus:
            self.vector_menus[name].removeAction(action)

    def addDockWidget(self, area, dock) -> None:
        self.window.addDockWidget(area, dock)

    def removeDockWidget(self, dock) -> None:
        self.window.removeDockWidget(dock)

    def actionVertexTool(self) -> QAction:
        return self.vertex_tool

    def activeLayer(self):
        return self._active

    def setActiveLayer(self, layer) -> None:
        self._active = layer

    def mapCanvas(self):
        return self.canvas

    def project(self) -> QgsProject:
        return QgsProject.instance()

    def message_texts(self) -> list[str]:
        """Title and text of every item in the message bar."""
        return [f"{item.title()} {item.text()}" for item in self.bar.items()]


def wait_until(condition, timeout_s: float = 60.0, interval_s: float = 0.05) -> bool:
    """Process Qt events until ``condition()`` is true (or the timeout passes)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(interval_s)
    QCoreApplication.processEvents()
    return bool(condition())
