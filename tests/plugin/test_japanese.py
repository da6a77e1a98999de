"""Japanese end to end: the worker gets QGIS's language; its progress and errors come back in it."""

from __future__ import annotations

import pytest

from plugin import warm_worker


@pytest.fixture
def japanese(qgis_app):
    from plugin.translation import Translator

    translator = Translator()
    assert translator.install("ja")
    warm_worker.stop_all()
    yield
    translator.remove()
    warm_worker.stop_all()


@pytest.mark.slow
def test_progress_and_errors_in_japanese(provider, japanese, small_scene, tiny_model, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from tests.plugin.test_algorithms import make_feedback

    feedback = make_feedback()()
    parameters = {"INPUT": str(small_scene.raster_path), "MODEL": tiny_model, "DEVICE": 1}
    processing.run(
        "landseg:segment", {**parameters, "OUTPUT": str(tmp_path / "a.gpkg")}, feedback=feedback
    )
    assert any("タイル" in text for text in feedback.texts), feedback.texts
    assert not any("tiles" in text for text in feedback.texts)  # no half-translated line
    assert any("ポリゴン" in info for info in feedback.infos)  # the plugin's own summary
    (tmp_path / "exists.gpkg").write_text("x")
    from plugin.backend import segment_args

    with pytest.raises(Exception, match="既に存在します"):
        warm_worker.run_job(
            _python(), segment_args(str(small_scene.raster_path), str(tmp_path / "exists.gpkg"))
        )
    with pytest.raises(QgsProcessingException, match="が存在しません"):
        processing.run(
            "landseg:segment", {**parameters, "MODEL": str(tmp_path / "none.pt"), "OUTPUT": "x"}
        )


def test_where_the_environment_was_found_is_translated(japanese):
    from plugin.environment import Environment
    from plugin.settings_dialog import describe_environment

    text = describe_environment(Environment("/p/python", True, "0.1.0", source="settings"))
    assert "LandSeg の設定" in text and "settings" not in text


def _python() -> str:
    from plugin import environment

    return environment.current().python
