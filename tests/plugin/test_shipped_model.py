"""The shipped default model, end to end: real ultralytics inference, the map-level evaluator,
and the result as QGIS shows it."""

import pytest

from landseg.evaluation.maps import evaluate_map
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.io.synthetic import write_scene

pytestmark = pytest.mark.slow


def test_shipped_model_finds_the_objects_of_an_unseen_scene(qgis_app, tmp_path):
    from qgis.core import QgsVectorLayer

    scene = write_scene(tmp_path / "scene", size_px=1024, seed=999, bits=16)  # never trained on
    out = tmp_path / "landcover.gpkg"
    result = segment(scene.raster_path, out, device="cpu")
    assert result.device == "cpu" and sum(result.counts.values()) > 0
    metrics = evaluate_map(out, scene.labels_path).to_dict()
    assert metrics["overall"]["map50"] > 0.85, metrics["overall"]
    assert metrics["overall"]["recall"] > 0.85, metrics["overall"]
    layer = QgsVectorLayer(f"{out}|layername={LAYER_NAME}", "landcover", "ogr")
    assert layer.isValid() and layer.featureCount() == sum(result.counts.values())
    assert layer.renderer().type() == "categorizedSymbol"
    assert DEFAULT_MODEL_PATH.stat().st_size < 20 * 2**20  # a few MB in the repository
