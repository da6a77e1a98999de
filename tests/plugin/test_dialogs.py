"""The toolbar action and dialogs in real headless QGIS, with a small real ``iface`` harness."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from landseg.io.synthetic import CLASS_NAMES
from tests.plugin.harness import wait_until


def add_scene(project, scene):
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    raster = QgsRasterLayer(str(scene.raster_path), "scene")
    labels = QgsVectorLayer(str(scene.labels_path), "labels", "ogr")
    assert raster.isValid() and labels.isValid()
    project.addMapLayers([raster, labels])
    return raster, labels


def model_ready(dialog) -> bool:
    return dialog.model_info is not None or bool(dialog.model_error)


def segment_dialog_on(gui_plugin, iface, project, scene, model):
    """The Segment dialog on ``scene`` (the active layer) with ``model``, at confidence 0.01."""
    from plugin import settings

    raster, _labels = add_scene(project, scene)
    iface.setActiveLayer(raster)
    settings.set_value(settings.MODEL, model)
    dialog = gui_plugin.show_segment_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    dialog.conf_spin.setValue(0.01)
    return dialog


def test_gui_registers_toolbar_menu_and_provider(gui_plugin, iface):
    from qgis.core import QgsApplication

    assert QgsApplication.processingRegistry().providerById("landseg") is not None
    toolbar = iface.toolbar.actions()
    assert gui_plugin.segment_action in toolbar and gui_plugin.finetune_action in toolbar
    assert gui_plugin.review_action in toolbar  # as the README's plugin section says
    assert len(iface.menus["&LandSeg"].actions()) == 3


def test_a_bad_model_file_is_named_plainly_and_shown_whole(
    gui_plugin, iface, small_scene, tmp_path
):
    """The user's file named, no library emoji, and the whole text one click away however long
    it is (the bar shows two lines)."""
    from qgis.PyQt.QtWidgets import QTextBrowser

    from plugin import backend, environment
    from plugin.segment_dialog import SegmentRequest

    fake = tmp_path / "fake.pt"
    fake.write_text("not a model")
    out = tmp_path / "out.gpkg"
    request = SegmentRequest(
        python=environment.detect().python,
        raster=str(small_scene.raster_path),
        layer_name="scene",
        output=str(out),
        temporary_output=False,
        args=backend.segment_args(str(small_scene.raster_path), str(out), model=str(fake)),
    )
    task = gui_plugin.start_segmentation(request)
    assert wait_until(lambda: task.done, 60) and not task.succeeded
    item = iface.bar.currentItem()
    assert f"Model file '{fake}' could not be read" in item.text()
    assert "❌" not in item.text() and "ERROR" not in item.text() and ".cache" not in item.text()
    assert len(item.text()) > 120
    item.buttons["details"].click()
    assert item.text() in item.details_viewer.findChild(QTextBrowser).toPlainText()
    item.details_viewer.close()


@pytest.mark.slow
def test_segment_dialog_defaults(gui_plugin, iface, project, small_scene, tiny_model):
    from plugin import settings

    raster, _labels = add_scene(project, small_scene)
    iface.setActiveLayer(raster)
    settings.set_value(settings.MODEL, tiny_model)
    dialog = gui_plugin.show_segment_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    assert dialog.raster_combo.currentLayer() is raster
    assert dialog.model_path() == tiny_model
    assert dialog.model_info["class_names"] == list(CLASS_NAMES)
    assert all(name in dialog.model_label.text() for name in CLASS_NAMES)
    # tile size and overlap come from the model's metadata (128 / 16 for the tiny model)
    assert (dialog.tile_spin.value(), dialog.overlap_spin.value()) == (128, 16)
    assert dialog.conf_spin.value() == 0.25
    assert dialog.device_combo.currentData() == "auto"
    assert dialog.device_combo.itemText(0) in ("auto (detected: CPU)",) or "CUDA" in (
        dialog.device_combo.itemText(0)
    )
    assert dialog.output_path() == ""  # temporary file
    assert dialog.validate() == []
    dialog.close()


def test_segment_dialog_preselects_the_shipped_model(gui_plugin, iface, project, small_scene):
    from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH

    add_scene(project, small_scene)
    dialog = gui_plugin.show_segment_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    assert Path(dialog.model_path()) == DEFAULT_MODEL_PATH
    assert dialog.tile_spin.value() == dialog.model_info["tile_size_px"]
    dialog.close()


@pytest.mark.slow
def test_segment_dialog_validation(gui_plugin, iface, project, small_scene, tiny_model, tmp_path):
    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    dialog = gui_plugin.show_segment_dialog()  # no layers in the project
    assert wait_until(lambda: model_ready(dialog), 60)
    assert any("Choose a raster layer" in e for e in dialog.validate())

    add_scene(project, small_scene)
    dialog.raster_combo.setLayer(project.mapLayersByName("scene")[0])
    existing = tmp_path / "exists.gpkg"
    existing.write_bytes(b"")
    dialog.output_widget.setFilePath(str(existing))
    errors = dialog.validate()
    assert len(errors) == 1 and "already exists" in errors[0]
    dialog.accept()  # refused: the message shows in the dialog's own bar
    assert dialog.isVisible()
    assert "already exists" in dialog.bar.currentItem().text()
    dialog.overwrite_check.setChecked(True)
    assert dialog.validate() == []

    dialog.output_widget.setFilePath(str(tmp_path / "out.shp"))
    assert any(".gpkg" in e for e in dialog.validate())
    dialog.output_widget.setFilePath("")
    dialog.overlap_spin.setValue(64)
    assert any("less than half the tile size" in e for e in dialog.validate())
    dialog.model_widget.setFilePath(str(tmp_path / "nope.pt"))
    assert any("nope.pt' does not exist" in e for e in dialog.validate())
    dialog.close()


def test_toolbar_segmentation_adds_a_styled_layer(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path
):
    from qgis.core import Qgis

    from plugin import settings

    dialog = segment_dialog_on(gui_plugin, iface, project, small_scene, tiny_model)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    out = tmp_path / "landcover.gpkg"
    dialog.output_widget.setFilePath(str(out))
    dialog.accept()
    assert not dialog.isVisible()
    (task,) = gui_plugin.tasks
    assert wait_until(lambda: task.done, 120)
    assert task.succeeded, task.outcome.error and task.outcome.error.details
    assert out.is_file()
    layer = gui_plugin.last_layer
    assert layer.isValid() and layer.id() in project.mapLayers()
    assert layer.name() == "scene land cover"
    assert layer.renderer().type() == "categorizedSymbol"
    assert layer.renderer().classAttribute() == "class"
    assert {c.value() for c in layer.renderer().categories()} == set(CLASS_NAMES)
    item = iface.bar.currentItem()
    assert item.level() == Qgis.Success
    assert "polygons" in item.text() and "roof" in item.text() and " s on cpu" in item.text()
    assert gui_plugin.tasks == []  # forgotten once finished
    # the choices are remembered for next time
    assert settings.value(settings.DEVICE) == "cpu"
    assert settings.value(settings.TILE_SIZE, type_=int) == 128


def test_failed_task_shows_the_backend_message_with_details(gui_plugin, iface, tmp_path):
    from qgis.core import Qgis
    from qgis.PyQt.QtWidgets import QTextBrowser

    from plugin.segment_dialog import SegmentRequest
    from plugin.worker import ERROR_PREFIX

    request = SegmentRequest(
        python=sys.executable,
        raster=str(tmp_path / "missing.tif"),
        layer_name="missing",
        output=str(tmp_path / "out.gpkg"),
        temporary_output=False,
        args=["segment", str(tmp_path / "missing.tif"), "-o", str(tmp_path / "out.gpkg")],
    )
    task = gui_plugin.start_segmentation(request)
    assert wait_until(lambda: task.done, 60)
    assert not task.succeeded
    item = iface.bar.currentItem()
    assert item.level() == Qgis.Critical
    assert "missing.tif" in item.text()
    assert ERROR_PREFIX not in item.text()  # the backend's message, without its prefix
    item.buttons["details"].click()
    assert "missing.tif" in item.details_viewer.findChild(QTextBrowser).toPlainText()
    item.details_viewer.close()


@pytest.mark.slow
def test_cancelling_a_toolbar_task(gui_plugin, iface, tiny_model, tmp_path_factory):
    from landseg.io.synthetic import write_scene
    from plugin import environment, warm_worker
    from plugin.backend import segment_args
    from plugin.segment_dialog import SegmentRequest

    scene = write_scene(tmp_path_factory.mktemp("cancel_scene"), size_px=1536, seed=4)
    out = scene.raster_path.parent / "out.gpkg"
    request = SegmentRequest(
        python=environment.detect().python,
        raster=str(scene.raster_path),
        layer_name="big",
        output=str(out),
        temporary_output=False,
        args=segment_args(str(scene.raster_path), str(out), model=tiny_model, device="cpu"),
    )
    from qgis.core import QgsApplication, QgsTask
    from qgis.PyQt.QtCore import QTimer

    def notify_as_qgis_does(task_id: int, status: int) -> None:
        """QGIS desktop's notice of a stopped task (the message bar where no notifier runs),
        as it was seen: on top of the plugin's own message."""
        stopped = QgsApplication.taskManager().task(task_id)
        if status == QgsTask.Terminated and stopped is not None:
            notice = stopped.description()
            QTimer.singleShot(200, lambda: iface.bar.pushInfo("Task failed", notice))

    QgsApplication.taskManager().statusChanged.connect(notify_as_qgis_does)
    try:
        task = gui_plugin.start_segmentation(request)
        assert wait_until(lambda: task.progress() > 0, 60)
        task.cancel()
        assert wait_until(lambda: task.done, 30)
        wait_until(lambda: False, 1)  # the notice comes, and goes
    finally:
        QgsApplication.taskManager().statusChanged.disconnect(notify_as_qgis_does)
    assert task.outcome.cancelled and not out.exists()
    worker = warm_worker._worker_for(request.python)
    assert worker.pid in (task.worker_pids[0], None)  # cancelled job, worker kept (or killed)
    assert "Cancelled" in iface.bar.currentItem().text()
    assert not [item for item in iface.bar.items() if item.title() == "Task failed"]


def test_finetune_dialog_defaults_mapping_and_validation(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path
):
    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    dialog = gui_plugin.show_finetune_dialog()  # empty project
    assert wait_until(lambda: model_ready(dialog), 60)
    errors = dialog.validate()
    assert any("Tick at least one raster layer" in e for e in errors)
    assert any("polygon layer with your labels" in e for e in errors)
    dialog.close()

    raster, labels = add_scene(project, small_scene)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    assert dialog.checked_rasters() == [raster]
    assert dialog.label_combo.currentLayer() is labels
    assert dialog.field_combo.currentField() == "class"
    assert dialog.model_path() == tiny_model
    assert dialog.balance_check.isChecked()
    assert not dialog.continue_group.isChecked()
    assert dialog.epochs_spin.value() == 50
    # the table lists every label value with its instance count, mapped by name
    assert dialog.counts == dict(small_scene.class_counts)
    assert sum(dialog.counts.values()) == labels.featureCount()
    assert dialog.mapping() == {name: name for name in small_scene.class_counts}
    assert wait_until(lambda: dialog.weights(), 60)  # the backend's answer, through the worker
    weights = dialog.weights()
    assert set(weights) == set(CLASS_NAMES)
    assert "roof" in dialog.weights_label.text()
    rarest = min(small_scene.class_counts, key=small_scene.class_counts.get)
    commonest = max(small_scene.class_counts, key=small_scene.class_counts.get)
    assert weights[rarest] >= weights[commonest]
    dialog.balance_check.setChecked(False)
    assert dialog.weights() is None and "none" in dialog.weights_label.text()
    assert dialog.validate() == []

    # no class field
    dialog.field_combo.setField("")
    assert any("field of the label layer" in e for e in dialog.validate())
    dialog.field_combo.setField("class")
    # nothing mapped
    for value in list(dialog.mapping()):
        dialog.set_mapping(value, "")
    assert any("Map at least one label value" in e for e in dialog.validate())
    dialog.set_mapping("roof", "roof")
    # output folder not empty
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file.txt").write_text("x")
    dialog.folder_widget.setFilePath(str(busy))
    assert any("is not empty" in e for e in dialog.validate())
    dialog.close()


def test_finetune_dialog_previews_how_the_objects_fit_the_tiles(
    gui_plugin, iface, project, small_scene, tiny_model
):
    from qgis.PyQt.QtCore import Qt

    from landseg import defaults
    from landseg.training.label_layers import labelled_object_sizes
    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    add_scene(project, small_scene)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    info = dialog.model_info
    asked = {
        "class_names": dialog.model_classes(),
        "tile_size_px": info.get("tile_size_px") or defaults.TILE_SIZE_PX,
        "overlap_px": info.get("overlap_px", defaults.OVERLAP_PX),
    }
    scene = ([small_scene.raster_path], small_scene.labels_path)
    shown = dialog.sizes_label.text
    for auto_scale in (False, True):  # before any export: the backend's figures
        dialog.auto_scale_check.setChecked(auto_scale)
        fit = labelled_object_sizes(*scene, **asked, auto_scale=auto_scale)[0]
        used = f"{fit.count}, {fit.extent_m['p50']:g} m across at the median"
        tiles = f"at {fit.used.pixel_size_m:g} m and {fit.used.tile_size_px} px tiles"
        assert wait_until(lambda used=used, tiles=tiles: used in shown() and tiles in shown(), 60)
    dialog.raster_list.item(0).setCheckState(Qt.Unchecked)
    assert "shown once rasters" in dialog.sizes_label.text()
    dialog.close()


def test_the_size_preview_points_to_the_fitting_option(qgis_app):
    from plugin.object_sizes import sizes_text

    better = {"pixel_size_m": 1.0, "tile_size_px": 384, "seen_whole": 0.66}
    answer = {"summary": "S.", "suggestion": "x", "object_sizes": {"suggested": better}}
    hint = "S. Ticking 'Fit the pixel and tile size to my objects' would show 66% of them whole"
    assert sizes_text(answer, auto_scale=False).startswith(hint)
    assert "(1 m, 384 px tiles)" in sizes_text(answer, auto_scale=False)
    assert sizes_text(answer, auto_scale=True) == "S."
    assert sizes_text({**answer, "suggestion": ""}, auto_scale=False) == "S."


def test_finetune_dialog_offers_published_base_models(
    gui_plugin, iface, project, small_scene, tmp_path
):
    from plugin import backend

    add_scene(project, small_scene)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    combo = dialog.base_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["", *backend.PUBLISHED_BASE_MODELS]
    large = combo.findData("yolov8l-seg.pt")
    assert combo.itemText(large) == "yolov8l-seg.pt: COCO weights, downloaded once (about 92 MB)"
    combo.setCurrentIndex(large)
    assert not dialog.model_widget.isEnabled() and "Downloaded once" in dialog.model_label.text()
    # a new head: the label values are the classes, each mapped to itself
    assert dialog.mapping() == {name: name for name in small_scene.class_counts}
    dialog.set_mapping("farm", "")
    dialog.folder_widget.setFilePath(str(tmp_path / "finetune"))
    assert dialog.validate() == []
    export, train, _report = (step.args for step in dialog.build_request().steps)
    assert train[train.index("--model") + 1] == "yolov8l-seg.pt"  # a name, not a path
    classes = export[export.index("--classes") + 1].split(",")
    assert sorted(classes) == sorted(set(small_scene.class_counts) - {"farm"})
    assert "--tile-size" not in export
    combo.setCurrentIndex(0)  # back to the shipped model: its metadata is read again
    assert dialog.model_widget.isEnabled()
    assert wait_until(lambda: model_ready(dialog), 60) and dialog.model_info is not None
    dialog.close()


def test_finetune_task_trains_and_offers_the_new_model(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path
):
    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    add_scene(project, small_scene)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    dialog.epochs_spin.setValue(1)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    dialog.folder_widget.setFilePath(str(tmp_path / "finetune"))
    opened = []
    gui_plugin.open_url = opened.append
    dialog.accept()
    (task,) = gui_plugin.tasks
    messages = []
    task.messageChanged.connect(messages.append)
    assert wait_until(lambda: task.done, 180)
    assert task.succeeded, task.outcome.error and task.outcome.error.details
    assert any("epoch 1/1" in m and "mAP50" in m for m in messages), messages
    model = task.outcome.runs["train"].result["model"]
    assert Path(model).is_file()
    item = gui_plugin.finetune_item
    assert model in item.text()
    item.buttons["Make it the default model"].click()
    assert settings.value(settings.DEFAULT_MODEL) == model
    report = Path(dialog.request.report_path)
    assert "report" not in task.outcome.step_errors  # the checkout's backend writes reports
    assert report.is_file() and opened == [report]


def test_settings_dialog_finds_the_environment_and_installs(gui_plugin, iface, tmp_path):
    from plugin import environment, settings

    dialog = gui_plugin.show_settings_dialog()
    assert dialog.env is not None
    assert "landseg" in dialog.status_label.text()
    assert "bootstrap.sh" in dialog.install_text.toPlainText()  # a checkout installs this way
    dialog.python_widget.setFilePath(str(tmp_path / "no-python"))
    assert dialog.check() is None
    assert "does not exist" in dialog.status_label.text()
    dialog.model_widget.setFilePath(str(tmp_path / "none.pt"))
    dialog.accept()
    assert dialog.isVisible()  # refused: the model does not exist
    dialog.model_widget.setFilePath("")
    dialog.accept()
    assert settings.value(settings.PYTHON) == str(tmp_path / "no-python")
    # a configured interpreter that does not work falls back to the ones found automatically
    assert environment.current() is not None
    assert "does not exist" in environment.missing_message(str(tmp_path / "no-python"))
    assert "install" in environment.missing_message().lower()

    from plugin.installer import InstallPlan
    from plugin.settings_dialog import InstallDialog

    steps = [[sys.executable, "-c", "print('step one')"], ["true"]]
    install = InstallDialog(InstallPlan(tmp_path / "env", steps, creates_env=False))
    install.show()
    install.start()
    assert wait_until(lambda: install.succeeded is not None, 30)
    assert install.succeeded and "step one" in install.output.toPlainText()
    install.close()

    (tmp_path / "half-built").mkdir()
    steps = [[sys.executable, "-c", "raise SystemExit(3)"]]
    failing = InstallDialog(InstallPlan(tmp_path / "half-built", steps, creates_env=True))
    failing.start()
    assert wait_until(lambda: failing.succeeded is not None, 30)
    assert failing.succeeded is False and not (tmp_path / "half-built").exists()
    assert "internet" in failing.status.text()
    failing.close()


def test_finetune_dialog_trains_on_a_dataset_folder_and_only_reads_it(
    gui_plugin, iface, project, tiny_model, tmp_path
):
    from plugin import settings
    from tests.own_datasets import snapshot, write_roboflow

    settings.set_value(settings.MODEL, tiny_model)
    dialog = gui_plugin.show_finetune_dialog()  # no layers: the dataset is all it needs
    assert wait_until(lambda: model_ready(dialog), 60)
    dialog.folder_widget.setFilePath(str(tmp_path / "finetune"))
    dialog.dataset_widget.setFilePath(str(tmp_path / "missing"))
    assert any("dataset folder" in e and "does not exist" in e for e in dialog.validate())
    dataset = write_roboflow(tmp_path / "roboflow")
    before = snapshot(dataset)
    dialog.dataset_widget.setFilePath(str(dataset))
    assert dialog.validate() == []
    assert not dialog.raster_list.isEnabled() and not dialog.label_combo.isEnabled()
    dialog.epochs_spin.setValue(1)
    dialog.imgsz_spin.setValue(160)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    gui_plugin.open_url = lambda url: None
    dialog.accept()
    steps = dialog.request.steps
    assert [step.key for step in steps] == ["train", "report"]
    train = steps[0].args
    assert Path(train[train.index("--data") + 1]) == dataset
    (task,) = gui_plugin.tasks
    assert wait_until(lambda: task.done, 180)
    assert task.succeeded, task.outcome.error and task.outcome.error.details
    assert Path(task.outcome.runs["train"].result["model"]).is_file()
    assert Path(dialog.request.report_path).is_file()
    assert snapshot(dataset) == before  # the user's folder is only read
    dialog.dataset_widget.setFilePath("")
    assert dialog.raster_list.isEnabled()


def test_finetune_dialog_defaults_leave_out_predictions_and_far_rasters(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path
):
    """The active layer is LandSeg's prediction: the labels are chosen instead; only the raster
    the labels lie on is ticked; the device chosen here stays this dialog's."""
    import geopandas as gpd
    import rasterio
    from affine import Affine
    from qgis.core import QgsRasterLayer, QgsVectorLayer

    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    settings.set_value(settings.DEVICE, "auto")
    raster, labels = add_scene(project, small_scene)
    with rasterio.open(small_scene.raster_path) as src:
        profile, pixels = src.profile, src.read()
    far = tmp_path / "far.tif"
    profile["transform"] = src.transform * Affine.translation(100_000, 0)
    with rasterio.open(far, "w", **profile) as dst:  # another sheet, 50 km away
        dst.write(pixels)
    far_layer = QgsRasterLayer(str(far), "far sheet")
    predictions = gpd.read_file(small_scene.labels_path).assign(score=0.9)
    predictions.to_file(tmp_path / "landcover.gpkg", layer="landcover")
    prediction = QgsVectorLayer(f"{tmp_path / 'landcover.gpkg'}|layername=landcover", "lc", "ogr")
    project.addMapLayers([far_layer, prediction])
    iface.setActiveLayer(prediction)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    assert dialog.label_combo.currentLayer() is labels
    assert dialog.checked_rasters() == [raster]
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    dialog.folder_widget.setFilePath(str(tmp_path / "finetune"))
    dialog.accept()
    assert settings.value(settings.FINETUNE_DEVICE) == "cpu"
    assert settings.value(settings.DEVICE) == "auto"  # the Segment dialog's, untouched
    for task in gui_plugin.tasks:
        task.cancel()


def test_segment_dialog_prepares_a_review(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path
):
    """Ticked, the run gives each polygon its review priority and writes the review layer."""
    import pyogrio

    dialog = segment_dialog_on(gui_plugin, iface, project, small_scene, tiny_model)
    assert not dialog.review_check.isChecked()
    dialog.review_check.setChecked(True)
    dialog.device_combo.setCurrentIndex(dialog.device_combo.findData("cpu"))
    out = tmp_path / "landcover.gpkg"
    dialog.output_widget.setFilePath(str(out))
    dialog.accept()
    assert "--review" in dialog.request.args
    (task,) = gui_plugin.tasks
    assert wait_until(lambda: task.done, 120) and task.succeeded
    assert "review_priority" in gui_plugin.last_layer.fields().names()
    assert "review" in {name for name, _ in pyogrio.list_layers(out)}


def test_install_asks_first_and_checks_the_disk(gui_plugin, iface, tmp_path, monkeypatch):
    """Install… says how much it installs and where before it starts, and refuses a disk
    without room for it."""
    from collections import namedtuple

    from plugin import installer

    plan = installer.InstallPlan(tmp_path / "env", [[sys.executable, "-c", "pass"]], size_gb=6.8)
    monkeypatch.setattr(installer, "install_plan", lambda wheelhouse=None, training=False: plan)
    dialog = gui_plugin.show_settings_dialog()
    asked = []
    dialog.confirm_install = lambda plan_: asked.append(plan_) or False
    assert dialog.install() is None and asked == [plan]  # asked, said no: nothing started
    dialog.confirm_install = lambda plan_: True
    started = dialog.install()
    assert started is not None and wait_until(lambda: started.succeeded is not None, 30)
    started.close()

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(installer.shutil, "disk_usage", lambda path: usage(10e9, 8e9, 2e9))
    asked.clear()
    dialog.confirm_install = lambda plan_: asked.append(plan_) or True
    assert dialog.install() is None and asked == []  # refused before asking
    assert "needs about 6.8 GB" in dialog.status_label.text() and "2.0 GB free" in (
        dialog.status_label.text()
    )
    dialog.close()


def test_a_report_without_a_browser_says_where_it_is(gui_plugin, iface, tmp_path):
    report = tmp_path / "report.html"
    report.write_text("<html></html>")
    gui_plugin.open_url = lambda url: False  # what Qt answers when no browser starts
    gui_plugin._open_report(report, "LandSeg fine-tuning")
    assert str(report) in iface.bar.currentItem().text()


def test_settings_diagnostics_shows_the_doctor_report(gui_plugin, iface):
    from qgis.PyQt.QtWidgets import QTextBrowser

    dialog = gui_plugin.show_settings_dialog()
    task = dialog.diagnose()
    assert task is not None and wait_until(lambda: task.done, 60) and task.succeeded
    text = dialog.diagnostics_viewer.findChild(QTextBrowser).toPlainText()
    assert "Segments on the CPU with: ONNX Runtime" in text and "Default model:" in text
    dialog.diagnostics_viewer.close()
    dialog.close()


def test_finetune_offers_the_training_support_a_core_environment_lacks(
    gui_plugin, iface, project, small_scene, tiny_model, tmp_path, monkeypatch
):
    """On an environment that only segments, the dialog says what is missing and installs
    the training support (PyTorch, ultralytics) through LandSeg settings, after asking."""
    from plugin import environment, installer, settings
    from plugin.settings_dialog import SettingsDialog

    settings.set_value(settings.MODEL, tiny_model)
    add_scene(project, small_scene)
    core = environment.current()
    monkeypatch.setattr(core, "training", False)
    dialog = gui_plugin.show_finetune_dialog()
    assert wait_until(lambda: model_ready(dialog), 60)
    assert not dialog.training_button.isHidden()
    size = f"{installer.TRAINING_SIZE_GB} GB"
    assert any("training support" in e and size in e for e in dialog.validate())
    asked = []
    plan = installer.InstallPlan(
        tmp_path / "env", [[sys.executable, "-c", "pass"]], size_gb=installer.TRAINING_SIZE_GB
    )

    def planned(wheelhouse=None, training=False):
        asked.append(training)
        return plan

    monkeypatch.setattr(installer, "install_plan", planned)
    monkeypatch.setattr(SettingsDialog, "confirm_install", lambda self, plan_: True)
    install = dialog.install_training()
    assert asked[-1] is True and install is not None
    assert wait_until(lambda: install.succeeded is not None, 30) and install.succeeded
    install.close()
    dialog.settings_dialog.close()
    dialog.close()
