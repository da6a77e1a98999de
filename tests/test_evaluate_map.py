"""Map-level evaluation: hand-computed cases, agreement with pycocotools, bad input."""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from rasterio.features import rasterize
from shapely.geometry import Polygon, box

from landseg.errors import (
    InvalidParameterError,
    LandSegWarning,
    OutputExistsError,
    VectorReadError,
)
from landseg.evaluation.maps import (
    BACKGROUND,
    IOU_THRESHOLDS,
    evaluate_map,
    format_table,
)
from landseg.io.atomic import write_json

CRS = "EPSG:32654"
X0, Y0 = 500000.0, 4650000.0  # a real UTM 54N position, so float behaviour is realistic


def square(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A box given in metres from the scene origin."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def layer(classes, geometries, scores=None, *, crs=CRS) -> gpd.GeoDataFrame:
    data = {"class": list(classes)}
    if scores is not None:
        data["score"] = list(scores)
    return gpd.GeoDataFrame(data, geometry=list(geometries), crs=crs)


# --- pycocotools reference ------------------------------------------------------------------


def coco_ap(
    labels: gpd.GeoDataFrame, predictions: gpd.GeoDataFrame, *, pixel_m: float
) -> dict[str, tuple[float, float]]:
    """(AP50, AP50-95) per labelled class from pycocotools on rasterized masks (one image)."""
    mask_utils = pytest.importorskip("pycocotools.mask")  # a dev extra, not a dependency
    COCO = pytest.importorskip("pycocotools.coco").COCO
    COCOeval = pytest.importorskip("pycocotools.cocoeval").COCOeval
    x0, y0, x1, y1 = np.r_[labels.total_bounds[:2], labels.total_bounds[2:]]
    x0 = min(x0, predictions.total_bounds[0]) - 1
    y0 = min(y0, predictions.total_bounds[1]) - 1
    x1 = max(x1, predictions.total_bounds[2]) + 1
    y1 = max(y1, predictions.total_bounds[3]) + 1
    x0, y1 = math.floor(x0), math.ceil(y1)  # whole metres keep grid-aligned boxes exact
    width, height = math.ceil((x1 - x0) / pixel_m), math.ceil((y1 - y0) / pixel_m)
    transform = Affine(pixel_m, 0, x0, 0, -pixel_m, y1)
    names = sorted(set(labels["class"]))
    category = {name: i + 1 for i, name in enumerate(names)}

    def rle(geometry):
        # Burn only the geometry's window of the frame; pycocotools wants the whole frame.
        gx0, gy0, gx1, gy1 = geometry.bounds
        col0, row0 = max(int((gx0 - x0) / pixel_m) - 1, 0), max(int((y1 - gy1) / pixel_m) - 1, 0)
        col1 = min(int((gx1 - x0) / pixel_m) + 2, width)
        row1 = min(int((y1 - gy0) / pixel_m) + 2, height)
        mask = np.zeros((height, width), dtype=np.uint8, order="F")
        mask[row0:row1, col0:col1] = rasterize(
            [(geometry, 1)],
            out_shape=(row1 - row0, col1 - col0),
            transform=transform @ Affine.translation(col0, row0),
            dtype="uint8",
        )
        encoded = mask_utils.encode(mask)
        encoded["counts"] = encoded["counts"].decode("ascii")
        return encoded

    annotations = []
    for i, (name, geometry) in enumerate(zip(labels["class"], labels.geometry, strict=True)):
        encoded = rle(geometry)
        annotations.append(
            {
                "id": i + 1,  # pycocotools treats id 0 as "unmatched"
                "image_id": 1,
                "category_id": category[name],
                "segmentation": encoded,
                "area": float(mask_utils.area(encoded)),
                "bbox": mask_utils.toBbox(encoded).tolist(),
                "iscrowd": 0,
            }
        )
    ground_truth = COCO()
    ground_truth.dataset = {
        "images": [{"id": 1, "width": width, "height": height}],
        "annotations": annotations,
        "categories": [{"id": i, "name": n} for n, i in category.items()],
    }
    detections = [
        {"image_id": 1, "category_id": category[name], "segmentation": rle(g), "score": float(s)}
        for name, g, s in zip(
            predictions["class"], predictions.geometry, predictions["score"], strict=True
        )
        if name in category
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth.createIndex()
        evaluation = COCOeval(ground_truth, ground_truth.loadRes(detections), iouType="segm")
        evaluation.params.maxDets = [100_000]
        evaluation.params.areaRng = [[0, 1e10]]
        evaluation.params.areaRngLbl = ["all"]
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][:, :, :, 0, 0]
    return {
        name: (float(precision[0, :, k].mean()), float(precision[:, :, k].mean()))
        for name, k in ((n, category[n] - 1) for n in names)
    }


# --- 1. hand-computed cases ----------------------------------------------------------------


@pytest.fixture
def hand_case():
    """Roof: one label, a match at IoU 0.6 (score 0.8) and a higher-scored false positive.

    Farm: three labels, one predicted exactly (0.5), one predicted below conf (0.1), one missed.
    """
    labels = layer(
        ["roof", "farm", "farm", "farm"],
        [
            square(0, 0, 10, 10),
            square(100, 0, 120, 20),
            square(140, 0, 160, 20),
            square(180, 0, 200, 20),
        ],
    )
    predictions = layer(
        ["roof", "roof", "farm", "farm"],
        [
            square(2.5, 0, 12.5, 10),
            square(20, 0, 30, 10),
            square(100, 0, 120, 20),
            square(140, 0, 160, 20),
        ],
        [0.8, 0.9, 0.5, 0.1],
    )
    return labels, predictions


def test_hand_computed_instances(hand_case):
    labels, predictions = hand_case
    metrics = evaluate_map(predictions, labels)
    roof, farm = metrics.classes["roof"], metrics.classes["farm"]

    # Roof: IoU 75/125 = 0.6 matches at 0.50, 0.55, 0.60. Order FP, TP: envelope 0.5.
    assert roof.ap_per_iou == (0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert roof.ap50 == 0.5
    assert roof.ap50_95 == 0.15
    assert (roof.instances, roof.predictions, roof.true_positives) == (1, 2, 1)
    assert (roof.precision, roof.recall, roof.f1) == (0.5, 1.0, 2 / 3)

    # Farm: AP over all predictions (recall 1/3, 2/3 at precision 1): recall thresholds
    # 0.00..0.66 are reached, 67 of 101, at every IoU (the matches are exact).
    assert farm.ap50 == 67 / 101
    assert farm.ap50_95 == 67 / 101
    # Only the 0.5-scored prediction passes conf 0.25.
    assert (farm.predictions, farm.predictions_above_conf, farm.true_positives) == (2, 1, 1)
    assert (farm.precision, farm.recall, farm.f1) == (1.0, 1 / 3, 0.5)

    assert metrics.map50 == pytest.approx((0.5 + 67 / 101) / 2, abs=1e-15)
    assert metrics.map50_95 == pytest.approx((0.15 + 67 / 101) / 2, abs=1e-15)
    assert metrics.precision == 0.75
    assert metrics.recall == pytest.approx((1 + 1 / 3) / 2, abs=1e-15)
    assert metrics.omitted_from_means == ()


def test_hand_computed_areas(hand_case):
    labels, predictions = hand_case
    metrics = evaluate_map(predictions, labels)
    # Extent: bounding box 200 m x 20 m. Predictions below conf take no part in areas.
    assert metrics.evaluated_area_m2 == 4000.0
    assert metrics.extent == "bounding_box"
    assert metrics.area_confusion_m2 == {
        "farm": {"farm": 400.0, "roof": 0.0, BACKGROUND: 800.0},
        "roof": {"farm": 0.0, "roof": 75.0, BACKGROUND: 25.0},
        BACKGROUND: {"farm": 0.0, "roof": 125.0, BACKGROUND: 2575.0},
    }
    roof, farm = metrics.classes["roof"], metrics.classes["farm"]
    assert (roof.label_area_m2, roof.predicted_area_m2) == (100.0, 200.0)
    assert (roof.area_iou, roof.users_accuracy, roof.producers_accuracy) == (1 / 3, 0.375, 0.75)
    assert (farm.area_iou, farm.users_accuracy, farm.producers_accuracy) == (1 / 3, 1.0, 1 / 3)
    assert metrics.area_accuracy == (400 + 75 + 2575) / 4000


def test_iou_exactly_0_6_gives_ap50_95_of_0_3():
    labels = layer(["roof"], [square(0, 0, 10, 10)])
    predictions = layer(["roof"], [square(2.5, 0, 12.5, 10)], [0.7])
    roof = evaluate_map(predictions, labels).classes["roof"]
    assert roof.ap50 == 1.0
    assert roof.ap_per_iou[3:] == (0.0,) * 7
    assert roof.ap50_95 == 0.3
    assert (roof.precision, roof.recall, roof.f1, roof.area_iou) == (1.0, 1.0, 1.0, 0.6)


def test_greedy_matching_is_by_score_not_optimal_assignment():
    # p1 (0.9) has IoU 0.905 with A and 0.739 with B and takes A; p2 (0.8) has IoU 0.6 with A
    # only, so it is a false positive although an optimal assignment would match both.
    labels = layer(["roof", "roof"], [square(0, 0, 10, 10), square(2, 0, 12, 10)])
    predictions = layer(
        ["roof", "roof"], [square(0.5, 0, 10.5, 10), square(-2.5, 0, 7.5, 10)], [0.9, 0.8]
    )
    roof = evaluate_map(predictions, labels).classes["roof"]
    assert roof.ap50 == 51 / 101
    assert roof.true_positives == 1
    assert coco_ap(labels, predictions, pixel_m=0.5)["roof"][0] == pytest.approx(51 / 101)


def test_equal_iou_goes_to_the_later_label_as_in_pycocotools():
    # p1 has IoU 90/110 with both A and B and takes B (the later row); p2 then takes A at
    # 90/110. Had p1 taken A, p2 would match B at only 70/130.
    labels = layer(["roof", "roof"], [square(0, 0, 10, 10), square(2, 0, 12, 10)])
    predictions = layer(["roof", "roof"], [square(1, 0, 11, 10), square(-1, 0, 9, 10)], [0.9, 0.8])
    roof = evaluate_map(predictions, labels).classes["roof"]
    assert roof.ap_per_iou == (1.0,) * 7 + (0.0,) * 3  # 90/110 = 0.818 reaches 0.80
    assert roof.ap50_95 == pytest.approx(0.7, abs=1e-15)
    ap50, ap50_95 = coco_ap(labels, predictions, pixel_m=0.5)["roof"]
    assert (ap50, ap50_95) == pytest.approx((1.0, 0.7))


def test_overlapping_predictions_higher_score_wins_and_duplicates_count_once():
    labels = layer(["roof"], [square(0, 0, 10, 10)])
    predictions = layer(
        ["roof", "farm", "roof"],
        [square(0, 0, 10, 10), square(5, 0, 15, 10), square(0, 0, 10, 10)],
        [0.6, 0.9, 0.3],
    )
    metrics = evaluate_map(predictions, labels, class_names=["roof", "farm", "rice-fields"])
    assert metrics.area_confusion_m2 == {
        "roof": {"roof": 50.0, "farm": 50.0, "rice-fields": 0.0, BACKGROUND: 0.0},
        "farm": {"roof": 0.0, "farm": 0.0, "rice-fields": 0.0, BACKGROUND: 0.0},
        "rice-fields": {"roof": 0.0, "farm": 0.0, "rice-fields": 0.0, BACKGROUND: 0.0},
        BACKGROUND: {"roof": 0.0, "farm": 50.0, "rice-fields": 0.0, BACKGROUND: 0.0},
    }
    roof, farm = metrics.classes["roof"], metrics.classes["farm"]
    assert (roof.ap50, roof.precision, roof.recall) == (1.0, 0.5, 1.0)  # duplicate is an FP
    assert (roof.area_iou, roof.users_accuracy, roof.producers_accuracy) == (0.5, 1.0, 0.5)
    # Farm has predictions but no labels: scored 0 and kept in the means.
    assert (farm.instances, farm.predictions, farm.ap50, farm.precision) == (0, 1, 0.0, 0.0)
    assert metrics.omitted_from_means == ("rice-fields",)
    assert metrics.unknown_prediction_classes == ()
    assert metrics.map50 == 0.5
    assert metrics.to_dict()["omitted_from_means"] == ["rice-fields"]


def test_overlapping_labels_smaller_polygon_wins():
    labels = layer(["farm", "roof"], [square(0, 0, 20, 10), square(0, 0, 5, 10)])
    predictions = layer(["farm"], [square(0, 0, 20, 10)], [0.9])
    confusion = evaluate_map(predictions, labels).area_confusion_m2
    assert confusion["roof"] == {"farm": 50.0, "roof": 0.0, BACKGROUND: 0.0}
    assert confusion["farm"] == {"farm": 150.0, "roof": 0.0, BACKGROUND: 0.0}


def test_area_of_interest_clips_both_sides(tmp_path):
    labels = layer(["roof", "roof"], [square(0, 0, 10, 10), square(50, 50, 60, 60)])
    predictions = layer(["roof"], [square(2.5, 0, 12.5, 10)], [0.7])
    aoi = layer(["x"], [square(0, 0, 10, 10)])
    aoi.to_file(tmp_path / "aoi.gpkg")
    for area in (tmp_path / "aoi.gpkg", aoi, square(0, 0, 10, 10)):
        metrics = evaluate_map(predictions, labels, aoi=area)
        roof = metrics.classes["roof"]
        assert roof.instances == 1  # the far label lies outside
        assert roof.area_iou == 0.75  # the prediction is cut at x = 10
        assert metrics.extent == "aoi"
        assert metrics.evaluated_area_m2 == 100.0
        assert metrics.area_confusion_m2["roof"] == {"roof": 75.0, BACKGROUND: 25.0}
        assert metrics.area_confusion_m2[BACKGROUND] == {"roof": 0.0, BACKGROUND: 0.0}


def test_labels_in_another_crs_are_reprojected():
    labels = layer(["roof", "farm"], [square(0, 0, 10, 10), square(30, 0, 70, 40)])
    predictions = labels.assign(score=[0.9, 0.8])
    metrics = evaluate_map(predictions, labels.to_crs("EPSG:4326"))
    assert metrics.crs == "EPSG:32654"
    assert metrics.map50_95 == 1.0
    assert metrics.area_iou == pytest.approx(1.0, abs=1e-6)
    # Both sides geographic: the evaluation runs in the data's UTM zone, areas in m².
    geographic = evaluate_map(predictions.to_crs("EPSG:4326"), labels.to_crs("EPSG:4326"))
    assert geographic.crs == "EPSG:32654"
    assert geographic.classes["roof"].label_area_m2 == pytest.approx(100.0, rel=1e-6)
    # A bare AOI geometry is read in the predictions' CRS (here degrees).
    aoi_degrees = gpd.GeoSeries([square(0, 0, 10, 10)], crs=CRS).to_crs("EPSG:4326").iloc[0]
    clipped = evaluate_map(
        predictions.to_crs("EPSG:4326"), labels.to_crs("EPSG:4326"), aoi=aoi_degrees
    )
    assert list(clipped.classes) == ["roof"]
    assert clipped.evaluated_area_m2 == pytest.approx(100.0, rel=1e-6)


def test_json_and_table(hand_case, tmp_path):
    labels, predictions = hand_case
    metrics = evaluate_map(predictions, labels, class_names=["roof", "farm", "rice-fields"])
    path = write_json(tmp_path / "metrics.json", metrics.to_dict())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) >= {"classes", "overall", "area_confusion_m2", "omitted_from_means"}
    for entry in data["classes"].values():
        assert {
            "instances": int,
            "predictions": int,
            "ap50": float,
            "ap50_95": float,
            "precision": float,
            "recall": float,
            "f1": float,
            "area_iou": float,
        }.items() <= {k: type(v) for k, v in entry.items()}.items()
    assert {k: type(v) for k, v in data["overall"].items()}.items() >= {
        "map50": float,
        "map50_95": float,
        "precision": float,
        "recall": float,
    }.items()
    assert data["omitted_from_means"] == ["rice-fields"]
    assert data["area_confusion_m2"]["roof"]["roof"] == 75.0
    with pytest.raises(OutputExistsError, match="already exists"):
        write_json(path, metrics.to_dict())
    write_json(path, metrics.to_dict(), overwrite=True)

    table = format_table(metrics)
    assert "\nall " in table and "rice-fields" in table
    assert "left out of the means: rice-fields" in table
    assert "2,575" in table  # background-background area


# --- 2. agreement with pycocotools ---------------------------------------------------------

_CLASSES = ("roof", "farm", "Baren-Land")


def _shape(rng: np.random.Generator, name: str, cx: float, cy: float) -> Polygon:
    angle = rng.uniform(0, 180)
    if name == "roof":
        rect = box(-rng.uniform(2, 5), -rng.uniform(2, 4), rng.uniform(2, 5), rng.uniform(2, 4))
        return shapely.affinity.translate(shapely.affinity.rotate(rect, angle), cx, cy)
    if name == "farm":
        side = rng.uniform(4, 5)
        field = box(-side, -side, side, side)
        if rng.random() < 0.4:
            field = field.difference(box(-1.5, -1.5, 1.5, 1.5))  # courtyard hole
        return shapely.affinity.translate(shapely.affinity.rotate(field, angle), cx, cy)
    theta = np.sort(rng.uniform(0, 2 * math.pi, 11))
    r = rng.uniform(2.5, 5.5) * rng.uniform(0.6, 1.0, 11)
    star = Polygon(np.c_[cx + r * np.cos(theta), cy + r * np.sin(theta)]).buffer(0)
    return star.buffer(0.8).buffer(-0.8)


def _perturb(rng: np.random.Generator, geometry: Polygon) -> Polygon:
    kind = rng.integers(4)
    if kind == 0:
        return shapely.affinity.translate(geometry, *rng.uniform(-1.0, 1.0, 2))
    if kind == 1:
        return geometry.buffer(-rng.uniform(0.05, 0.6), join_style="mitre")
    if kind == 2:
        return geometry.buffer(rng.uniform(0.05, 0.8), join_style="mitre")
    moved = shapely.affinity.rotate(geometry, rng.uniform(-15, 15))
    return shapely.affinity.translate(moved, *rng.uniform(-0.5, 0.5, 2))


def _near_a_threshold(geometry: Polygon, name: str, labels: gpd.GeoDataFrame) -> bool:
    """True when the vector IoU with a same-class label is within 0.012 of a threshold.

    Rasterizing for pycocotools moves IoU by ~0.002 at 0.1 m pixels; keeping clear of the
    thresholds makes a disagreement a real bug rather than a pixel rounding flip.
    """
    same = labels.geometry[labels["class"] == name].to_numpy()
    inter = shapely.area(shapely.intersection(geometry, same))
    iou = inter / (geometry.area + shapely.area(same) - inter)
    return bool(np.any(np.abs(iou[:, None] - IOU_THRESHOLDS[None, :]) < 0.012))


def _perturbed_predictions(
    rng: np.random.Generator, labels: gpd.GeoDataFrame, *, n_false: int
) -> gpd.GeoDataFrame:
    """Shifted, eroded, grown, rotated, dropped, duplicated, class-swapped and false objects."""
    rows = []

    def add(name: str, make) -> None:
        for _ in range(30):
            geometry = make()
            if not geometry.is_empty and not _near_a_threshold(geometry, name, labels):
                rows.append((name, geometry, float(rng.uniform(0.01, 1.0))))
                return

    for name, geometry in zip(labels["class"], labels.geometry, strict=True):
        if rng.random() < 0.1:
            continue  # missed
        predicted = name if rng.random() > 0.08 else str(rng.choice(_CLASSES))
        add(predicted, lambda g=geometry: _perturb(rng, g))
        if rng.random() < 0.15:
            add(name, lambda g=geometry: _perturb(rng, _perturb(rng, g)))  # duplicate
    x0, y0, x1, y1 = labels.total_bounds
    for _ in range(n_false):
        name = str(rng.choice(_CLASSES))
        add(name, lambda n=name: _shape(rng, n, rng.uniform(x0, x1), rng.uniform(y0, y1)))
    # Shuffle so row order says nothing about scores or labels.
    rows = [rows[i] for i in rng.permutation(len(rows))]
    return layer([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def _own_scene(seed: int) -> gpd.GeoDataFrame:
    """10 x 10 jittered grid of roofs, farms (some with holes) and irregular barren patches."""
    rng = np.random.default_rng(seed)
    names, geometries = [], []
    for i in range(10):
        for j in range(10):
            name = str(rng.choice(_CLASSES))
            cx, cy = X0 + 15 * i + 7.5 + rng.uniform(-1, 1), Y0 + 15 * j + 7.5 + rng.uniform(-1, 1)
            names.append(name)
            geometries.append(_shape(rng, name, cx, cy))
    return layer(names, geometries)


@pytest.mark.parametrize("seed", [11, 12])
def test_agrees_with_pycocotools_on_a_perturbed_scene(seed):
    labels = _own_scene(seed)
    predictions = _perturbed_predictions(np.random.default_rng(seed + 100), labels, n_false=20)
    ours = evaluate_map(predictions, labels)
    reference = coco_ap(labels, predictions, pixel_m=0.1)
    assert set(reference) == set(_CLASSES)
    for name, (ap50, ap50_95) in reference.items():
        assert ours.classes[name].ap50 == pytest.approx(ap50, abs=0.01), name
        assert ours.classes[name].ap50_95 == pytest.approx(ap50_95, abs=0.01), name
        assert 0.2 < ours.classes[name].ap50_95 < 0.9  # a scene that exercises the metric


def test_agrees_with_pycocotools_on_synthetic_scene_labels(small_scene):
    labels = gpd.read_file(small_scene.labels_path)
    rng = np.random.default_rng(7)
    predictions = _perturbed_predictions(rng, labels, n_false=6)
    ours = evaluate_map(predictions, small_scene.labels_path)
    for name, (ap50, ap50_95) in coco_ap(labels, predictions, pixel_m=0.25).items():
        assert ours.classes[name].ap50 == pytest.approx(ap50, abs=0.01), name
        assert ours.classes[name].ap50_95 == pytest.approx(ap50_95, abs=0.01), name


# --- 3. bad input --------------------------------------------------------------------------


def test_empty_predictions_give_zeros(tmp_path, hand_case):
    labels, _ = hand_case
    empty = gpd.GeoDataFrame(
        {"class": [], "score": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS
    )
    empty.to_file(tmp_path / "empty.gpkg")
    metrics = evaluate_map(tmp_path / "empty.gpkg", labels)
    for m in metrics.classes.values():
        assert (m.predictions, m.ap50, m.ap50_95, m.precision, m.recall, m.f1) == (0, 0, 0, 0, 0, 0)
        assert m.area_iou == 0.0
    assert (metrics.map50, metrics.map50_95, metrics.precision, metrics.recall) == (0, 0, 0, 0)
    assert metrics.classes["farm"].instances == 3
    assert metrics.area_confusion_m2["farm"][BACKGROUND] == 1200.0


def test_missing_score_warns_and_scores_one(hand_case):
    labels, predictions = hand_case
    with pytest.warns(LandSegWarning, match="no 'score' field: every prediction is scored 1.0"):
        metrics = evaluate_map(predictions.drop(columns="score"), labels)
    # All four predictions now pass conf; equal scores keep row order (TP before the FP).
    assert metrics.classes["roof"].ap50 == 1.0
    assert metrics.classes["farm"].predictions_above_conf == 2


def test_unknown_prediction_classes_are_reported(hand_case):
    labels, predictions = hand_case
    predictions = predictions.assign(**{"class": ["roof", "tree", "farm", "farm"]})
    with pytest.warns(LandSegWarning, match=r"\['tree'\] appear neither in the labels"):
        metrics = evaluate_map(predictions, labels)
    assert metrics.unknown_prediction_classes == ("tree",)
    assert metrics.to_dict()["unknown_prediction_classes"] == ["tree"]
    assert metrics.classes["tree"].predictions == 1
    assert metrics.classes["roof"].ap50 == 1.0  # the false positive moved to "tree"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        known = evaluate_map(predictions, labels, class_names=["roof", "farm", "tree"])
    assert known.unknown_prediction_classes == ()


def test_missing_crs_names_the_file(tmp_path, hand_case):
    labels, predictions = hand_case
    path = tmp_path / "labels_without_crs.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns that no CRS is written
        labels.set_crs(None, allow_override=True).to_file(path)
    with pytest.raises(
        VectorReadError, match=r"Labels file '.*labels_without_crs\.gpkg' has no CRS: assign"
    ):
        evaluate_map(predictions, path)
    with pytest.raises(VectorReadError, match="Predictions GeoDataFrame has no CRS"):
        evaluate_map(predictions.set_crs(None, allow_override=True), labels)


def test_invalid_geometries_are_repaired_and_counted(hand_case):
    labels, predictions = hand_case
    bowtie = Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    labels = layer(
        [*labels["class"], "roof", "roof"],
        [*labels.geometry, bowtie, shapely.LineString([(X0, Y0), (X0 + 1, Y0)])],
    )
    predictions = layer(
        [*predictions["class"], "roof"],
        [*predictions.geometry, bowtie],
        [*predictions["score"], 0.7],
    )
    assert not bowtie.is_valid
    metrics = evaluate_map(predictions, labels)
    assert metrics.repaired_geometries == {"predictions": 1, "labels": 1}
    assert metrics.dropped_features == {"predictions": 0, "labels": 1}  # the line
    roof = metrics.classes["roof"]
    assert roof.instances == 2
    assert roof.true_positives == 2  # the repaired bowtie (two triangles) matches itself


def test_labels_without_the_class_field(hand_case):
    labels, predictions = hand_case
    with pytest.raises(
        VectorReadError, match=r"has no field 'landcover': available fields are 'class'"
    ):
        evaluate_map(predictions, labels, class_field="landcover")


def test_other_bad_input(tmp_path, hand_case):
    labels, predictions = hand_case
    with pytest.raises(VectorReadError, match="does not exist"):
        evaluate_map(tmp_path / "missing.gpkg", labels)
    with pytest.raises(VectorReadError, match="has no field 'class'"):
        evaluate_map(predictions.rename(columns={"class": "label"}), labels)
    with pytest.raises(VectorReadError, match="without a numeric 'score'"):
        evaluate_map(predictions.assign(score=["high", 0.9, 0.5, 0.1]), labels)
    with pytest.raises(InvalidParameterError, match=r"outside \[0, 1\]"):
        evaluate_map(predictions, labels, conf=1.5)
    with pytest.raises(InvalidParameterError, match="named 'background'"):
        evaluate_map(predictions, labels.assign(**{"class": "background"}))


def test_area_confusion_agrees_with_painted_raster():
    """Overlay areas against a 0.1 m raster painted in the documented overlap order."""
    labels = _own_scene(21)
    rng = np.random.default_rng(21)
    extra = [  # labels of other classes laid over existing ones
        (str(rng.choice(_CLASSES)), shapely.affinity.translate(g, 3, 2))
        for g in labels.geometry.sample(15, random_state=1)
    ]
    labels = layer(
        [*labels["class"], *(e[0] for e in extra)], [*labels.geometry, *(e[1] for e in extra)]
    )
    predictions = _perturbed_predictions(rng, labels, n_false=20)
    metrics = evaluate_map(predictions, labels)

    bounds = np.c_[labels.total_bounds, predictions.total_bounds]
    x0, y0 = bounds[:2].min(axis=1)
    x1, y1 = bounds[2:].max(axis=1)
    shape = (math.ceil((y1 - y0) / 0.1), math.ceil((x1 - x0) / 0.1))
    transform = Affine(0.1, 0, x0, 0, -0.1, y1)
    code = {name: i + 1 for i, name in enumerate(_CLASSES)}
    # rasterize burns in order, so the owner of an overlap is painted last.
    above = predictions[predictions["score"] >= 0.25].iloc[::-1].sort_values("score", kind="stable")
    by_area = (
        labels.assign(area=labels.area)
        .iloc[::-1]
        .sort_values("area", ascending=False, kind="stable")
    )
    painted_pred = rasterize(
        [(g, code[c]) for c, g in zip(above["class"], above.geometry, strict=True)],
        out_shape=shape,
        transform=transform,
    )
    painted_label = rasterize(
        [(g, code[c]) for c, g in zip(by_area["class"], by_area.geometry, strict=True)],
        out_shape=shape,
        transform=transform,
    )
    counts = np.bincount(
        painted_label.ravel().astype(int) * 4 + painted_pred.ravel(), minlength=16
    ).reshape(4, 4)
    axis = [BACKGROUND, *_CLASSES]
    for i, row in enumerate(axis):
        for j, column in enumerate(axis):
            if i == j == 0:
                continue  # background-background depends on the grid's edge, not on overlay
            expected = counts[i, j] * 0.01
            got = metrics.area_confusion_m2[row][column]
            assert got == pytest.approx(expected, rel=0.01, abs=2.0), (row, column)
    assert sum(counts[i, j] for i in range(1, 4) for j in range(1, 4)) > 1000  # overlap exists
