"""Runs as a desktop user meets them: Processing results keep the class style, and a cancelled
run that kept its work (above 500 tiles) says so and is offered again as "Resume"; one to a
temporary output leaves nothing anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.harness import wait_until
from tests.plugin.test_algorithms import make_feedback, run

SMALL_TILES = {"TILE_SIZE": 64, "OVERLAP": 8, "CONFIDENCE": 0.01}  # 784 tiles: checkpointed


@pytest.fixture(scope="module")
def large_scene(tmp_path_factory):
    from landseg.io.synthetic import write_scene

    return write_scene(tmp_path_factory.mktemp("interrupted_scene"), size_px=1536, seed=4)


def _work_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if "landseg-partial" in p.name or ".partial" in p.name]


def test_processing_loads_its_result_with_the_class_style(
    provider, project, small_scene, tiny_model, tmp_path
):
    import processing

    out = tmp_path / "landcover.gpkg"
    processing.runAndLoadResults(
        "landseg:segment",
        {
            "INPUT": str(small_scene.raster_path),
            "MODEL": tiny_model,
            "DEVICE": 1,
            "OUTPUT": str(out),
        },
    )
    (layer,) = project.mapLayers().values()
    assert layer.renderer().type() == "categorizedSymbol"
    categories = {c.value() for c in layer.renderer().categories()}
    assert {"roof", "farm", "rice-fields", "Baren-Land"} <= categories


def test_a_cancelled_processing_run_keeps_its_work_says_so_and_resumes(
    provider, large_scene, tiny_model, tmp_path
):
    from qgis.core import QgsProcessingException

    out = tmp_path / "landcover.gpkg"
    parameters = {"INPUT": str(large_scene.raster_path), "MODEL": tiny_model, "DEVICE": 1}
    parameters |= SMALL_TILES | {"OUTPUT": str(out)}
    with pytest.raises(QgsProcessingException, match="kept in") as stopped:
        run("landseg:segment", parameters, make_feedback()(cancel_after_progress=True))
    (kept,) = _work_files(tmp_path)
    assert str(kept) in str(stopped.value) and not out.exists()
    result = run("landseg:segment", parameters | {"RESUME": True})
    assert out.is_file() and result["INSTANCES"] >= 0
    assert _work_files(tmp_path) == []


def test_a_cancelled_processing_run_to_a_temporary_output_leaves_nothing(
    provider, large_scene, tiny_model
):
    from qgis.core import QgsProcessingException, QgsProcessingUtils

    temporary = Path(QgsProcessingUtils.tempFolder())
    parameters = {"INPUT": str(large_scene.raster_path), "MODEL": tiny_model, "DEVICE": 1}
    parameters |= SMALL_TILES | {"OUTPUT": "TEMPORARY_OUTPUT"}
    with pytest.raises(QgsProcessingException, match="wrote no output"):
        run("landseg:segment", parameters, make_feedback()(cancel_after_progress=True))
    assert _work_files(temporary) == []


def _segment_dialog(gui_plugin, project, large_scene, tiny_model, output: str):
    from qgis.core import QgsRasterLayer

    from plugin import settings

    settings.set_value(settings.MODEL, tiny_model)
    settings.set_value(settings.DEVICE, "cpu")
    if not project.mapLayers():
        project.addMapLayer(QgsRasterLayer(str(large_scene.raster_path), "big"))
    dialog = gui_plugin.show_segment_dialog()
    assert wait_until(lambda: dialog.model_info is not None, 60)
    dialog.tile_spin.setValue(64)
    dialog.overlap_spin.setValue(8)
    dialog.output_widget.setFilePath(output)
    return dialog


def _cancel_when_started(gui_plugin):
    (task,) = gui_plugin.tasks
    assert wait_until(lambda: task.progress() > 1, 120)
    task.cancel()
    assert wait_until(lambda: task.done, 30)
    return task


def test_the_toolbar_offers_to_resume_a_cancelled_run(
    gui_plugin, iface, project, large_scene, tiny_model, tmp_path
):
    out = tmp_path / "landcover.gpkg"
    dialog = _segment_dialog(gui_plugin, project, large_scene, tiny_model, str(out))
    assert dialog.resume_check.isHidden()  # nothing to resume yet
    dialog.accept()
    task = _cancel_when_started(gui_plugin)
    assert task.outcome.cancelled and task.outcome.kept and not out.exists()
    assert "kept" in iface.bar.currentItem().text()
    assert "nothing was written" not in iface.bar.currentItem().text()

    dialog = _segment_dialog(gui_plugin, project, large_scene, tiny_model, str(out))
    assert not dialog.resume_check.isHidden() and dialog.resume_check.isChecked()
    dialog.accept()
    assert "--resume" in dialog.request.args
    (task,) = gui_plugin.tasks
    assert wait_until(lambda: task.done, 180) and task.succeeded
    assert out.is_file() and _work_files(tmp_path) == []
    dialog = _segment_dialog(gui_plugin, project, large_scene, tiny_model, str(out))
    assert dialog.resume_check.isHidden()  # done: nothing to resume


def test_a_cancelled_toolbar_run_to_a_temporary_output_leaves_nothing(
    gui_plugin, iface, project, large_scene, tiny_model
):
    dialog = _segment_dialog(gui_plugin, project, large_scene, tiny_model, "")
    dialog.accept()
    assert "--no-checkpoint" in dialog.request.args
    folder = Path(dialog.request.output).parent
    assert folder.name.startswith("landseg-")
    task = _cancel_when_started(gui_plugin)
    assert task.outcome.cancelled and not folder.exists()
    assert "nothing was written" in iface.bar.currentItem().text()
