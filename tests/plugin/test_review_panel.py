"""The review panel in real headless QGIS, on a small GeoPackage: order, keys, file, resume."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
import pytest

from tests.plugin.harness import wait_until

PRIORITIES = [0.2, 0.9, 0.5, 0.7, 0.1, 0.6, 0.3]  # per polygon, in file order
SCORES = [0.9, 0.3, 0.6, 0.2, 0.95, 0.5, 0.8]


def write_layer(scene, path, *, priority=True, score=True):
    """``landcover`` from the scene's labels, with ``class`` and the fields asked for."""
    frame = gpd.read_file(scene.labels_path)
    if score:
        frame["score"] = [SCORES[i % len(SCORES)] for i in range(len(frame))]
    if priority:
        frame["review_priority"] = [PRIORITIES[i % len(PRIORITIES)] for i in range(len(frame))]
    frame.to_file(path, layer="landcover", driver="GPKG")
    return path


def open_layer(project, path, name="landcover"):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    assert layer.isValid()
    project.addMapLayer(layer)
    return layer


@pytest.fixture(scope="module")
def export_scene(tmp_path_factory):
    """A scene large enough for a dataset with training and validation tiles."""
    from landseg.io.synthetic import write_scene

    return write_scene(tmp_path_factory.mktemp("review_scene"), size_px=1536, seed=3)


@pytest.fixture
def canvas(iface):
    from qgis.gui import QgsMapCanvas

    iface.canvas = QgsMapCanvas(iface.window)
    iface.canvas.resize(400, 400)
    yield iface.canvas
    iface.canvas = None


@pytest.fixture
def panel_on(iface, canvas, project):
    """A function making a review panel on a layer, in a shown, active window."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QApplication

    from plugin.review_panel import ReviewPanel

    def make(layer):
        canvas.setLayers([layer])
        canvas.setDestinationCrs(layer.crs())
        panel = ReviewPanel(iface, None, iface.window)
        iface.addDockWidget(Qt.RightDockWidgetArea, panel)
        panel.set_layer(layer)
        iface.window.show()
        QApplication.setActiveWindow(iface.window)
        panel.list_widget.setFocus()
        wait_until(lambda: panel.list_widget.hasFocus(), 5)
        return panel

    return make


def press(panel, key: str) -> None:
    """Type ``key`` into the panel as a user would."""
    from qgis.PyQt.QtCore import QCoreApplication, Qt
    from qgis.PyQt.QtTest import QTest

    QTest.keyClick(panel.list_widget, getattr(Qt, f"Key_{key}"))
    QCoreApplication.processEvents()


def ranked_by_priority() -> list[int]:
    return [i + 1 for i in sorted(range(7), key=lambda i: -PRIORITIES[i])]  # GPKG fids from 1


def test_review_with_keys_writes_each_decision_to_the_file(
    panel_on, project, small_scene, tmp_path
):
    from qgis.PyQt.QtTest import QTest

    path = write_layer(small_scene, tmp_path / "result.gpkg")
    layer = open_layer(project, path)
    panel = panel_on(layer)
    assert panel.fids == ranked_by_priority()
    assert "ranked by review priority" in panel.note_label.text()
    assert panel.classes == ["roof", "farm", "rice-fields", "Baren-Land"]
    assert panel.progress_label.text() == "0 / 7 reviewed"
    first = panel.current_fid()
    assert layer.selectedFeatureIds() == [first]
    assert (
        panel.iface.mapCanvas().extent().contains(layer.getFeature(first).geometry().boundingBox())
    )

    press(panel, "A")  # accept the first, reject the second, make the third a farm
    press(panel, "R")
    press(panel, "2")
    assert panel.progress_label.text() == "3 / 7 reviewed"
    assert panel.index == 3
    press(panel, "P")
    press(panel, "N")
    assert panel.index == 3
    panel.classes_edit.setFocus()  # typing class names decides nothing
    QTest.keyClicks(panel.classes_edit, ", 1 tree")
    panel.classes_edit.editingFinished.emit()
    assert panel.classes[-1] == "1 tree" and panel.progress_label.text() == "3 / 7 reviewed"
    project.removeMapLayer(layer.id())
    del layer, panel

    saved = gpd.read_file(path, layer="landcover", fid_as_index=True)
    decided = saved.loc[ranked_by_priority()[:3]]
    assert decided["review_status"].tolist() == ["accepted", "rejected", "corrected"]
    original = decided["class"].tolist()
    assert decided["reviewed_class"].tolist() == [original[0], original[1], "farm"]
    assert all(
        datetime.fromisoformat(t).utcoffset().total_seconds() == 0 for t in decided["reviewed_at"]
    )
    assert saved["review_status"].isna().sum() == 4


def test_reopened_layer_resumes_at_the_first_unreviewed_item(
    panel_on, project, small_scene, tmp_path
):
    path = write_layer(small_scene, tmp_path / "result.gpkg")
    layer = open_layer(project, path)
    panel = panel_on(layer)
    panel.accept()
    panel.accept()
    panel.go_to(3)  # skip one: the first unreviewed item is then the third
    panel.reject()
    project.removeMapLayer(layer.id())

    again = panel_on(open_layer(project, path))
    assert again.index == 2 and again.current_fid() == ranked_by_priority()[2]
    assert again.progress_label.text() == "3 / 7 reviewed"
    assert "[rejected]" in again.list_widget.item(3).text()


def test_without_priority_items_are_ranked_by_score(panel_on, project, small_scene, tmp_path):
    layer = open_layer(project, write_layer(small_scene, tmp_path / "a.gpkg", priority=False))
    panel = panel_on(layer)
    assert "no review priority: items are ranked by score" in panel.note_label.text()
    assert panel.fids == [i + 1 for i in sorted(range(7), key=lambda i: SCORES[i])]

    plain = open_layer(
        project, write_layer(small_scene, tmp_path / "b.gpkg", priority=False, score=False)
    )
    panel.set_layer(plain)
    assert "in file order" in panel.note_label.text()
    assert panel.fids == list(range(1, 8))


def test_edit_then_accept_marks_corrected(panel_on, project, small_scene, tmp_path):
    path = write_layer(small_scene, tmp_path / "result.gpkg")
    layer = open_layer(project, path)
    panel = panel_on(layer)
    triggered = []
    panel.iface.actionVertexTool().triggered.connect(lambda: triggered.append(True))
    press(panel, "E")
    assert layer.isEditable() and triggered and panel.iface.activeLayer() is layer
    fid = panel.current_fid()
    geometry = layer.getFeature(fid).geometry()
    geometry.translate(1.0, 0.0)
    assert layer.changeGeometry(fid, geometry)
    press(panel, "A")
    assert not layer.isModified()  # the edit went to the file with the decision
    layer.rollBack()
    project.removeMapLayer(layer.id())

    saved = gpd.read_file(path, layer="landcover", fid_as_index=True)
    assert saved.loc[fid, "review_status"] == "corrected"
    original = gpd.read_file(small_scene.labels_path).geometry.iloc[fid - 1]
    assert saved.loc[fid].geometry.centroid.x == pytest.approx(original.centroid.x + 1.0)


def test_export_runs_landseg_export_dataset_with_reviewed(
    gui_plugin, iface, canvas, project, export_scene, tmp_path
):
    from qgis.core import QgsRasterLayer

    path = write_layer(export_scene, tmp_path / "result.gpkg")
    raster = QgsRasterLayer(str(export_scene.raster_path), "ortho")
    project.addMapLayer(raster)
    layer = open_layer(project, path)
    iface.setActiveLayer(layer)
    panel = gui_plugin.show_review_panel()
    assert panel.layer is layer and not panel.isHidden()
    panel.export_reviewed()  # nothing reviewed yet: refused, with the reason
    assert "nothing is reviewed yet" in panel.bar.currentItem().text()
    for n in range(len(panel.fids)):
        if n % 10 == 3:
            panel.reject()
        else:
            panel.accept()
    panel.raster_combo.setLayer(raster)
    assert panel.output_widget.filePath() == str(tmp_path / "reviewed")
    expected = ["export-dataset", str(export_scene.raster_path), "--reviewed", str(path)]
    assert panel.export_args() == [*expected, "-o", str(tmp_path / "reviewed")]

    panel.export_button.click()
    task = gui_plugin.tasks[-1]
    assert task.steps[0].args == panel.export_args()
    assert wait_until(lambda: task.done, 300)
    error = task.outcome.error
    assert task.succeeded, error.message if error else task.outcome
    assert (tmp_path / "reviewed" / "data.yaml").is_file()
    assert any(str(tmp_path / "reviewed") in text for text in iface.message_texts())


def test_review_layer_of_a_geopackage_is_named(panel_on, project, small_scene, tmp_path):
    path = write_layer(small_scene, tmp_path / "result.gpkg")
    review = gpd.read_file(path, layer="landcover").iloc[:2]
    review = review.assign(reason=["low score", "tiles disagree"])
    review.to_file(path, layer="review", driver="GPKG")
    layer = open_layer(project, path, "review")
    panel = panel_on(layer)
    assert (
        "Reason: low score" in panel.item_label.text()
        or "tiles disagree" in panel.item_label.text()
    )
    from plugin.review import layer_file

    assert layer_file(layer) == f"{path}|layername=review"


def test_action_panel_and_progress_in_japanese(gui_plugin, iface, project, small_scene, tmp_path):
    from plugin.translation import Translator, tr

    assert gui_plugin.review_action in iface.toolbar.actions()
    assert gui_plugin.review_action in iface.vector_menus["&LandSeg"].actions()
    translator = Translator()
    assert translator.install("ja")
    try:
        assert tr("Review results") == "結果のレビュー"
        from plugin.review import progress_text

        assert progress_text(42, 300) == "42 / 300 件レビュー済み"
        layer = open_layer(project, write_layer(small_scene, tmp_path / "a.gpkg", priority=False))
        iface.setActiveLayer(layer)
        gui_plugin.review_action.trigger()
        assert "スコア" in gui_plugin.review_panel.note_label.text()
    finally:
        translator.remove()


def test_keys_work_as_soon_as_the_panel_opens(
    gui_plugin, iface, canvas, project, small_scene, tmp_path
):
    """Opened from the toolbar while the map has the keyboard, the panel takes it: A accepts."""
    from qgis.PyQt.QtCore import QCoreApplication, Qt
    from qgis.PyQt.QtTest import QTest
    from qgis.PyQt.QtWidgets import QApplication

    layer = open_layer(project, write_layer(small_scene, tmp_path / "result.gpkg"))
    canvas.setLayers([layer])
    iface.setActiveLayer(layer)
    iface.window.show()
    QApplication.setActiveWindow(iface.window)
    canvas.setFocus()
    assert wait_until(lambda: canvas.hasFocus(), 5)
    panel = gui_plugin.show_review_panel()
    assert wait_until(lambda: panel.widget().isAncestorOf(QApplication.focusWidget()), 5)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_A)
    QCoreApplication.processEvents()
    assert panel.progress_label.text() == "1 / 7 reviewed"
    panel.list_widget.clearFocus()
    QTest.mouseClick(panel.item_label, Qt.LeftButton)  # clicking its text gives it the keys
    assert wait_until(lambda: panel.widget().isAncestorOf(QApplication.focusWidget()), 5)


def test_the_panel_follows_its_layer_out_of_the_project(panel_on, project, small_scene, tmp_path):
    """Its layer removed, the panel shows the layer the box moves to, not the old one's state."""
    first = open_layer(project, write_layer(small_scene, tmp_path / "a.gpkg"), name="landcover")
    panel = panel_on(first)
    panel.accept()
    assert panel.progress_label.text() == "1 / 7 reviewed"
    second = open_layer(project, write_layer(small_scene, tmp_path / "b.gpkg"), name="landcover")
    project.removeMapLayer(first.id())
    assert panel.layer is second and panel.layer_combo.currentLayer() is second
    assert panel.progress_label.text() == "0 / 7 reviewed"
    project.removeMapLayer(second.id())
    assert panel.layer is None and panel.fids == []


def test_the_panel_starts_afresh_when_the_project_is_cleared(
    panel_on, project, small_scene, tmp_path
):
    first = open_layer(project, write_layer(small_scene, tmp_path / "a.gpkg"))
    panel = panel_on(first)
    panel.accept()
    project.removeAllMapLayers()  # a new project
    assert panel.layer is None and panel.progress_label.text() != "1 / 7 reviewed"
    second = open_layer(project, write_layer(small_scene, tmp_path / "b.gpkg"))
    panel.set_layer(panel.layer_combo.currentLayer())
    assert panel.layer is second and panel.progress_label.text() == "0 / 7 reviewed"
