"""Dataset-level evaluation matches classes by name, never by position."""

from __future__ import annotations

import pytest

from landseg.errors import InvalidParameterError
from landseg.evaluation.tiles import evaluate_dataset
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH
from landseg.io.synthetic import CLASS_NAMES
from landseg.training.dataset import export_dataset

pytestmark = pytest.mark.slow


def _export(scene, folder, **options):
    export_dataset(
        [scene.raster_path],
        scene.labels_path,
        folder,
        tile_size_px=256,
        overlap_px=32,
        seed=1,
        **options,
    )
    return folder


@pytest.fixture(scope="module")
def both_orders(small_scene, tmp_path_factory):
    """The same tiles exported in the model's class order and in alphabetical order."""
    root = tmp_path_factory.mktemp("orders")
    in_model_order = _export(small_scene, root / "model_order", class_names=CLASS_NAMES)
    alphabetical = _export(small_scene, root / "alphabetical")  # the export's default order
    return in_model_order, alphabetical


def test_class_order_of_the_dataset_does_not_change_the_figures(both_orders):
    in_model_order, alphabetical = both_orders
    expected = evaluate_dataset(DEFAULT_MODEL_PATH, in_model_order, batch=4)
    result = evaluate_dataset(DEFAULT_MODEL_PATH, alphabetical, batch=4)
    assert list(result["classes"]) == list(expected["classes"])
    for name in CLASS_NAMES:
        assert result["classes"][name] == expected["classes"][name], name
    assert result["overall"] == expected["overall"]


def test_one_class_dataset_reports_only_that_class(small_scene, tmp_path):
    roofs = _export(small_scene, tmp_path / "roofs", class_names=["roof"])
    result = evaluate_dataset(DEFAULT_MODEL_PATH, roofs, batch=4)
    counted = {name for name, entry in result["classes"].items() if entry["instances"]}
    assert counted == {"roof"}


def test_unknown_classes_and_splits_are_refused(both_orders, small_scene, tmp_path):
    renamed = _export(
        small_scene, tmp_path / "renamed", class_map={"roof": "building"}, class_names=["building"]
    )
    with pytest.raises(InvalidParameterError, match=r"classes \['building'\] that the model"):
        evaluate_dataset(DEFAULT_MODEL_PATH, renamed)
    with pytest.raises(InvalidParameterError, match="no 'test' split"):
        evaluate_dataset(DEFAULT_MODEL_PATH, both_orders[0], split="test")
