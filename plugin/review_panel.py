"""The review dock: a layer's items one at a time, most doubtful first, each decision saved.

Keys while the panel has focus: A accept, R reject, 1–9 change the class, N / P next /
previous, E edit the geometry with QGIS's vertex tool. The layer logic is in :mod:`.review`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsRectangle, QgsVectorLayer
from qgis.gui import QgsDockWidget, QgsFileWidget, QgsMapLayerComboBox, QgsMessageBar
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QKeySequence
from qgis.PyQt.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QShortcut,
    QVBoxLayout,
    QWidget,
)

from . import backend, environment, layers, paths, review
from .translation import tr

ZOOM_MARGIN = 0.3  # share of the item's size added on every side when zooming to it
MAX_CLASS_KEYS = 9


@dataclass
class ReviewExportRequest:
    """``landseg export-dataset --reviewed``, as the plugin's task machinery runs it."""

    python: str
    output: str
    args: list[str]


def status_text(status: str) -> str:
    """A review status as the panel shows it."""
    names = {
        review.ACCEPTED: tr("accepted"),
        review.REJECTED: tr("rejected"),
        review.CORRECTED: tr("corrected"),
    }
    return names.get(status, tr("not reviewed"))


class ReviewPanel(QgsDockWidget):
    """Works through the polygons of a layer; ``start_export`` runs an export request."""

    def __init__(
        self,
        iface,
        start_export: Callable[[ReviewExportRequest], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(tr("LandSeg review"), parent)
        self.setObjectName("LandSegReviewPanel")
        self.iface = iface
        self.start_export = start_export
        self.layer: QgsVectorLayer | None = None
        self.fids: list[int] = []
        self.items: dict[int, review.Item] = {}
        self.classes: list[str] = []
        self.index = 0
        self.layer_id = ""
        self._build()
        self._add_shortcuts()
        self.layer_combo.layerChanged.connect(self.set_layer)
        QgsProject.instance().layersRemoved.connect(self._layers_removed)
        self.set_layer(self.layer_combo.currentLayer())

    def take_focus(self) -> None:
        """Give the panel the keyboard, so its keys work as soon as it opens."""
        self.activateWindow()
        self.list_widget.setFocus(Qt.OtherFocusReason)

    def _layers_removed(self, layer_ids: list[str]) -> None:
        """The reviewed layer left the project: review what the layer box shows now."""
        if self.layer_id in layer_ids:
            self.layer = None
            self.set_layer(self.layer_combo.currentLayer())

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        body = QWidget(self)
        body.setFocusPolicy(Qt.ClickFocus)  # a click on the panel's text gives it the keys
        layout = QVBoxLayout(body)
        self.bar = QgsMessageBar(body)
        layout.addWidget(self.bar)
        self.layer_combo = QgsMapLayerComboBox(body)
        self.layer_combo.setFilters(QgsMapLayerProxyModel.PolygonLayer)
        form = QFormLayout()
        form.addRow(tr("Layer"), self.layer_combo)
        layout.addLayout(form)
        self.note_label = QLabel(body)
        self.note_label.setWordWrap(True)
        self.progress_label = QLabel(body)
        self.progress_bar = QProgressBar(body)
        self.progress_bar.setTextVisible(False)
        self.item_label = QLabel(body)
        self.item_label.setWordWrap(True)
        self.list_widget = QListWidget(body)
        self.list_widget.currentRowChanged.connect(self._row_clicked)
        for widget in (self.note_label, self.progress_label, self.progress_bar, self.item_label):
            layout.addWidget(widget)
        layout.addLayout(self._build_buttons(body))
        layout.addWidget(self._build_classes(body))
        layout.addWidget(self.list_widget, 1)
        layout.addWidget(self._build_export(body))
        self.setWidget(body)

    def _build_buttons(self, parent: QWidget) -> QGridLayout:
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("previous", tr("Previous (P)"), self.previous_item, 0, 0),
            ("next", tr("Next (N)"), self.next_item, 0, 1),
            ("accept", tr("Accept (A)"), self.accept, 1, 0),
            ("reject", tr("Reject (R)"), self.reject, 1, 1),
            ("edit", tr("Edit geometry (E)"), self.edit_geometry, 2, 0),
        ]
        for key, label, slot, row, column in specs:
            button = QPushButton(label, parent)
            button.clicked.connect(slot)
            grid.addWidget(button, row, column)
            self.buttons[key] = button
        return grid

    def _build_classes(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox(tr("Change class (keys 1–9)"), parent)
        layout = QVBoxLayout(box)
        self.classes_edit = QLineEdit(box)
        self.classes_edit.setToolTip(tr("The classes, separated by commas: key 1 is the first."))
        self.classes_edit.editingFinished.connect(self._classes_edited)
        layout.addWidget(self.classes_edit)
        self.class_grid = QGridLayout()
        layout.addLayout(self.class_grid)
        self.class_buttons: list[QPushButton] = []
        return box

    def _build_export(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox(tr("Training data"), parent)
        form = QFormLayout(box)
        self.raster_combo = QgsMapLayerComboBox(box)
        self.raster_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        form.addRow(tr("Raster layer"), self.raster_combo)
        self.output_widget = QgsFileWidget(box)
        self.output_widget.setStorageMode(QgsFileWidget.GetDirectory)
        form.addRow(tr("Output folder"), self.output_widget)
        self.export_button = QPushButton(tr("Export reviewed as training data…"), box)
        self.export_button.clicked.connect(self.export_reviewed)
        form.addRow(self.export_button)
        return box

    def _add_shortcuts(self) -> None:
        slots = {
            "A": self.accept,
            "R": self.reject,
            "N": self.next_item,
            "P": self.previous_item,
            "E": self.edit_geometry,
        }
        slots.update({str(n): partial(self.reclassify, n) for n in range(1, MAX_CLASS_KEYS + 1)})
        self.shortcuts: dict[str, QShortcut] = {}
        for key, slot in slots.items():
            shortcut = QShortcut(QKeySequence(key), self.widget())
            shortcut.setContext(Qt.WidgetWithChildrenShortcut)  # not while typing elsewhere
            shortcut.activated.connect(slot)
            self.shortcuts[key] = shortcut

    # --- the layer ----------------------------------------------------------------------
    def set_layer(self, layer) -> None:
        """Review ``layer`` (a polygon layer), from its first item without a decision."""
        self.bar.clearWidgets()
        if self.layer_combo.currentLayer() is not layer:
            self.layer_combo.blockSignals(True)
            self.layer_combo.setLayer(layer)
            self.layer_combo.blockSignals(False)
        self.layer = layer if isinstance(layer, QgsVectorLayer) and layer.isValid() else None
        self.layer_id = self.layer.id() if self.layer is not None else ""
        self.fids, self.items, self.index = [], {}, 0
        if self.layer is None:
            self.note_label.setText(tr("Choose a polygon layer to review."))
            self._refresh()
            return
        order = review.ranking(self.layer)
        self.fids, self.items = order.fids, review.items(self.layer)
        self.note_label.setText(review.ranking_note(order.key))
        self.set_classes(review.layer_classes(self.layer) or list(review.REFERENCE_CLASSES))
        self._default_output()
        self._fill_list()
        start = review.first_unreviewed(self.fids, self.items)
        if start is None and self.fids:
            self.bar.pushInfo(tr("Review"), tr("Every item of this layer is reviewed."))
        self.go_to(start or 0)

    def _default_output(self) -> None:
        """``reviewed/`` beside the layer's file, unless the user chose a folder."""
        if self.output_widget.filePath() or self.layer.providerType() != "ogr":
            return
        path = Path(self.layer.source().split("|")[0])
        if path.is_file():
            self.output_widget.setFilePath(str(path.parent / "reviewed"))

    def set_classes(self, classes: list[str]) -> None:
        """The classes keys 1–9 choose, in order."""
        self.classes = [name for name in classes if name][:MAX_CLASS_KEYS]
        self.classes_edit.setText(", ".join(self.classes))
        for button in self.class_buttons:
            self.class_grid.removeWidget(button)
            button.setParent(None)  # gone now, not at the next event loop
        self.class_buttons = []
        for n, name in enumerate(self.classes, start=1):
            button = QPushButton(f"{n}  {name}", self.classes_edit.parentWidget())
            button.clicked.connect(partial(self.reclassify, n))
            self.class_grid.addWidget(button, (n - 1) // 3, (n - 1) % 3)
            self.class_buttons.append(button)

    def _classes_edited(self) -> None:
        names = [part.strip() for part in self.classes_edit.text().split(",")]
        if names != self.classes:
            self.set_classes(names)

    # --- moving -------------------------------------------------------------------------
    def current_fid(self) -> int | None:
        return self.fids[self.index] if self.fids else None

    def go_to(self, index: int) -> None:
        """Show item ``index`` (in review order): select it and zoom the map to it."""
        if not self.fids:
            self._refresh()
            return
        self.index = max(0, min(index, len(self.fids) - 1))
        fid = self.fids[self.index]
        self.layer.selectByIds([fid])
        self._zoom_to(fid)
        self._refresh()

    def next_item(self) -> None:
        self.go_to(self.index + 1)

    def previous_item(self) -> None:
        self.go_to(self.index - 1)

    def _row_clicked(self, row: int) -> None:
        if row >= 0 and row != self.index:
            self.go_to(row)

    def _zoom_to(self, fid: int) -> None:
        canvas = self.iface.mapCanvas() if self.iface is not None else None
        geometry = self.layer.getFeature(fid).geometry()
        if canvas is None or geometry is None or geometry.isEmpty():
            return
        box = canvas.mapSettings().layerExtentToOutputExtent(self.layer, geometry.boundingBox())
        margin = max(box.width(), box.height()) * ZOOM_MARGIN or 1.0
        canvas.setExtent(
            QgsRectangle(
                box.xMinimum() - margin,
                box.yMinimum() - margin,
                box.xMaximum() + margin,
                box.yMaximum() + margin,
            )
        )
        canvas.refresh()

    # --- decisions ----------------------------------------------------------------------
    def accept(self) -> None:
        """Accept the item as it is (``corrected`` when its geometry was edited)."""
        fid = self.current_fid()
        if fid is not None:
            edited = review.geometry_edited(self.layer, fid)
            self._decide(review.CORRECTED if edited else review.ACCEPTED, self._class_of(fid))

    def reject(self) -> None:
        fid = self.current_fid()
        if fid is not None:
            self._decide(review.REJECTED, self._class_of(fid))

    def reclassify(self, number: int) -> None:
        """Give the item the ``number``-th class (from 1): ``corrected`` if that changes it."""
        fid = self.current_fid()
        if fid is None:
            return
        if not 1 <= number <= len(self.classes):
            self.bar.pushWarning(tr("Review"), tr("There is no class {n}.").format(n=number))
            return
        name = self.classes[number - 1]
        changed = name != self._class_of(fid) or review.geometry_edited(self.layer, fid)
        self._decide(review.CORRECTED if changed else review.ACCEPTED, name)

    def _class_of(self, fid: int) -> str:
        return self.items[fid].class_name

    def _decide(self, status: str, class_name: str) -> None:
        fid = self.current_fid()
        try:
            review.record(self.layer, fid, status, class_name)
        except ValueError as error:
            self.bar.pushCritical(tr("Review"), str(error))
            return
        self.items[fid] = review.item(self.layer, fid)
        self._update_row(self.index)
        if self.index + 1 < len(self.fids):
            self.go_to(self.index + 1)
            return
        left = review.first_unreviewed(self.fids, self.items)
        if left is None:
            self.bar.pushSuccess(tr("Review"), tr("Every item of this layer is reviewed."))
        self.go_to(self.index if left is None else left)

    def edit_geometry(self) -> None:
        """Start editing the layer and hand the user QGIS's vertex tool."""
        if self.layer is None or self.iface is None:
            return
        if not self.layer.isEditable() and not self.layer.startEditing():
            self.bar.pushWarning(tr("Review"), tr("This layer cannot be edited."))
            return
        self.iface.setActiveLayer(self.layer)
        self.iface.actionVertexTool().trigger()

    # --- display ------------------------------------------------------------------------
    def reviewed_count(self) -> int:
        return sum(1 for fid in self.fids if self.items[fid].status)

    def _refresh(self) -> None:
        done, total = self.reviewed_count(), len(self.fids)
        self.progress_label.setText(review.progress_text(done, total))
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.item_label.setText(self._item_text())
        for button in (*self.buttons.values(), *self.class_buttons):
            button.setEnabled(bool(self.fids))
        self.list_widget.blockSignals(True)
        self.list_widget.setCurrentRow(self.index if self.fids else -1)
        self.list_widget.blockSignals(False)

    def _item_text(self) -> str:
        fid = self.current_fid()
        if fid is None:
            return ""
        item = self.items[fid]
        lines = [
            tr("Item {number} of {total}").format(number=self.index + 1, total=len(self.fids)),
            tr("Class: {name}").format(name=item.class_name or "—"),
        ]
        if item.priority is not None:
            lines.append(tr("Review priority: {value:.2f}").format(value=item.priority))
        if item.score is not None:
            lines.append(tr("Score: {value:.2f}").format(value=item.score))
        if item.reason:
            lines.append(tr("Reason: {reason}").format(reason=item.reason))
        lines.append(tr("Decision: {status}").format(status=status_text(item.status)))
        return "\n".join(lines)

    def _row_text(self, rank: int) -> str:
        item = self.items[self.fids[rank]]
        figure = item.priority if item.priority is not None else item.score
        parts = [f"{rank + 1}.", item.class_name or "—"]
        if figure is not None:
            parts.append(f"{figure:.2f}")
        if item.status:
            parts.append(f"[{status_text(item.status)}]")
        return "  ".join(parts)

    def _fill_list(self) -> None:
        self.list_widget.blockSignals(True)
        self.list_widget.clear()
        self.list_widget.addItems([self._row_text(rank) for rank in range(len(self.fids))])
        self.list_widget.blockSignals(False)

    def _update_row(self, rank: int) -> None:
        self.list_widget.item(rank).setText(self._row_text(rank))

    # --- export -------------------------------------------------------------------------
    def export_args(self) -> list[str]:
        """The backend's command line for the export; ValueError says what is missing."""
        if self.layer is None:
            raise ValueError(tr("Choose a polygon layer to review."))
        if not self.reviewed_count():
            raise ValueError(tr("Review some items first: nothing is reviewed yet."))
        raster = self.raster_combo.currentLayer()
        if raster is None:
            raise ValueError(tr("Choose the raster layer the reviewed polygons lie on."))
        output = self.output_widget.filePath()
        if not output:
            raise ValueError(tr("Choose an output folder for the training data."))
        reviewed = review.layer_file(self.layer)
        return backend.export_reviewed_args(layers.raster_path(raster), reviewed, output)

    def export_reviewed(self) -> None:
        """Export the reviewed polygons as training data, in a task of the plugin."""
        self.bar.clearWidgets()
        try:
            args = self.export_args()
            env = environment.require()
            output = args[args.index("-o") + 1]
            paths.make_parent(output)
        except (ValueError, environment.EnvironmentMissing) as error:
            self.bar.pushWarning(tr("Cannot export yet"), str(error))
            return
        if self.start_export is not None:
            self.start_export(ReviewExportRequest(env.python, output, args))
