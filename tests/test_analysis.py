"""Feature-map and gradient-flow analysis of a real trained YOLOv8-seg model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from landseg.errors import InvalidParameterError, ModelLoadError
from landseg.reporting.analysis import (
    GradientThresholds,
    _head_tensors,
    analyze_model,
    select_feature_layers,
)
from landseg.reporting.analysis_tables import format_analysis

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(tiny_run):
    from landseg.inference.runtimes.loading import load

    return load(tiny_run[0] / "best.pt", device="cpu", runtime="ultralytics").yolo.model


def test_layers_are_chosen_from_the_yolov8_seg_structure(model):
    chosen = [(c.role, c.index, c.module) for c in select_feature_layers(model)]
    assert chosen == [
        ("backbone", 2, "C2f"),
        ("backbone", 4, "C2f"),
        ("backbone", 6, "C2f"),
        ("backbone", 8, "C2f"),
        ("backbone", 9, "SPPF"),
        ("neck", 12, "C2f"),
        ("neck", 15, "C2f"),
        ("neck", 18, "C2f"),
        ("neck", 21, "C2f"),
        ("head", 22, "Segment"),
    ]


def test_head_outputs_are_unpacked_named_and_deduplicated():
    features = [torch.ones(1, 2, 4, 4)]
    proto, boxes = torch.zeros(1, 3, 8, 8), torch.full((1, 4, 5), 2.0)
    detections = torch.rand(1, 9, 5)
    output = ((detections, proto), {"boxes": boxes, "feats": features, "proto": proto})
    found = dict(_head_tensors((features,), output))
    assert set(found) == {"output[0][0]", "proto", "boxes"}
    assert found["proto"] is proto and found["output[0][0]"] is detections


def test_feature_statistics_match_a_direct_computation(tiny_analysis, tiny_run, model):
    from landseg.reporting import analysis

    rows = {(r["layer"], r["output"]): r for r in tiny_analysis["features"]}
    assert {layer for layer, _ in rows} == {2, 4, 6, 8, 9, 12, 15, 18, 21, 22}
    assert {name for layer, name in rows if layer == 22} == {
        "output[0][0]",
        "proto",
        "boxes",
        "scores",
        "mask_coefficient",
    }
    record = json.loads((tiny_run[0] / "record.json").read_text())
    cfg = analysis._hyperparameters({}, tiny_analysis["imgsz"])
    batches, count = analysis._load_batches(
        Path(record["dataset"]["data_yaml"]), "val", cfg, 4, 4, 32
    )
    assert count == tiny_analysis["images"] == 4
    captured = {}
    handle = model.model[6].register_forward_hook(lambda m, i, o: captured.update(x=o))
    model.eval()
    with torch.no_grad():
        model(batches[0]["img"].float() / 255)
    handle.remove()
    x = captured["x"].double()
    row = rows[(6, "")]
    assert row["shape"] == list(x.shape[1:]) and row["stride"] == 16
    assert row["mean"] == pytest.approx(float(x.mean()), rel=1e-4, abs=1e-9)
    assert row["std"] == pytest.approx(float(x.std()), rel=1e-4)
    assert row["dynamic_range"] == pytest.approx(float(x.max() - x.min()), rel=1e-4)
    assert row["sparsity"] == pytest.approx(float((x == 0).double().mean()))
    assert row["near_zero"] == pytest.approx(float((x.abs() < 0.01).double().mean()), abs=1e-6)


def test_gradients_cover_every_trainable_layer(tiny_analysis, tiny_run):
    gradients = tiny_analysis["gradients"]
    assert gradients["frozen"] == ["model.22.dfl.conv.weight"]
    assert gradients["without_gradient"] == []
    assert set(gradients["loss"]["items"]) == {"box", "seg", "cls", "dfl", "sem"}
    assert gradients["loss"]["total"] > 0
    record = json.loads((tiny_run[0] / "record.json").read_text())
    assert gradients["class_weights_in_loss"] == pytest.approx(
        list(record["class_weights"].values())
    )
    layers = {row["layer"]: row for row in gradients["layers"]}
    assert set(layers) == {i for i in range(23) if i not in (10, 11, 13, 14, 17, 20)}
    for index, layer in layers.items():
        tensors = [p for p in gradients["parameters"] if p["layer"] == index]
        assert layer["tensors"] == len(tensors)
        assert layer["grad_norm"] == pytest.approx(
            math.sqrt(sum(p["grad_norm"] ** 2 for p in tensors))
        )
        assert layer["ratio"] == pytest.approx(layer["grad_norm"] / layer["param_norm"])
    limits = GradientThresholds()
    for parameter in gradients["parameters"]:
        expected = []
        if parameter["grad_norm"] < limits.vanishing:
            expected.append("vanishing")
        if parameter["grad_norm"] > limits.exploding:
            expected.append("exploding")
        if parameter["ratio"] is not None and parameter["ratio"] < limits.dead_ratio:
            expected.append("dead")
        assert parameter["flags"] == expected
    assert len(gradients["issues"]) == sum(len(p["flags"]) for p in gradients["parameters"])


def test_thresholds_decide_the_flags(tiny_run):
    record = json.loads((tiny_run[0] / "record.json").read_text())
    data = record["dataset"]["data_yaml"]
    relaxed = analyze_model(
        tiny_run[0] / "best.pt",
        data,
        max_images=1,
        thresholds=GradientThresholds(vanishing=0.0, exploding=math.inf, dead_ratio=0.0),
    )
    assert relaxed["images"] == 1 and relaxed["gradients"]["issues"] == []
    assert relaxed["thresholds"] == {"vanishing": 0.0, "exploding": math.inf, "dead_ratio": 0.0}
    strict = analyze_model(
        tiny_run[0] / "best.pt",
        data,
        max_images=1,
        thresholds=GradientThresholds(vanishing=math.inf, exploding=math.inf, dead_ratio=0.0),
    )
    assert all(p["flags"] == ["vanishing"] for p in strict["gradients"]["parameters"])


def test_format_analysis_in_both_languages(tiny_analysis):
    english = format_analysis(tiny_analysis)
    assert "Feature maps" in english and "Gradient flow" in english
    assert "backbone.2 C2f" in english and "head.22 Segment proto" in english
    assert "vanishing = gradient norm < 1e-06" in english
    japanese = format_analysis(tiny_analysis, language="ja")
    assert "特徴マップ" in japanese and "勾配ノルム" in japanese
    with pytest.raises(InvalidParameterError, match="supported languages"):
        format_analysis(tiny_analysis, language="de")


def test_bad_analysis_input(tiny_run, tiny_dataset, tmp_path):
    best = tiny_run[0] / "best.pt"
    with pytest.raises(ModelLoadError, match="ONNX"):
        analyze_model(tmp_path / "model.onnx", tiny_dataset)
    with pytest.raises(ModelLoadError, match="does not exist"):
        analyze_model(tmp_path / "missing.pt", tiny_dataset)
    with pytest.raises(InvalidParameterError, match="at least 1"):
        analyze_model(best, tiny_dataset, max_images=0)
    with pytest.raises(InvalidParameterError, match=r"no data\.yaml"):
        analyze_model(best, tmp_path)
    with pytest.raises(InvalidParameterError, match="no 'test' split"):
        analyze_model(best, tiny_dataset, split="test")
