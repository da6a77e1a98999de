"""Calibrated confidence: ``landseg calibrate`` fits p_correct on a seeded dataset, the model file
carries it, segment applies it; a model without one segments as before."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from landseg.inference.confidence import POOLED, SIGNALS, Calibration
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.loading import model_info
from landseg.inference.runtimes.model_files import (
    DEFAULT_ONNX_PATH,
    file_sha256,
    read_onnx_info,
    write_calibrated,
)
from landseg.io.synthetic import write_scene
from landseg.reporting.report import build_report
from landseg.review.calibrate import MIN_CLASS_POLYGONS, fit, reliability, right_polygons
from landseg.training.dataset import export_dataset
from tests.landseg_process import run_landseg
from tests.run_records import edit_record

BASE_FIELDS = ["class", "class_id", "score", "area_m2", "geometry"]


def landseg(*args) -> subprocess.CompletedProcess:
    return run_landseg(*args, timeout=600)  # calibrate segments every validation tile


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> tuple[Path, Path]:
    """The shipped model (ONNX) calibrated on half the tiles of a seeded scene."""
    folder = tmp_path_factory.mktemp("calibrated")
    scene = write_scene(folder / "scene", size_px=2048, seed=11)
    export_dataset([scene.raster_path], scene.labels_path, folder / "dataset", val_fraction=0.5)
    model = folder / "calibrated.onnx"
    done = landseg(
        "calibrate", "--model", DEFAULT_ONNX_PATH, "--data", folder / "dataset", "-o", model
    )
    assert done.returncode == 0, done.stderr
    assert "Calibrated on" in done.stdout and "ECE" in done.stdout
    return model, folder


@pytest.fixture(scope="module")
def other_scene(tmp_path_factory):
    """A scene of another seed and pixel size, which the calibration never saw."""
    return write_scene(tmp_path_factory.mktemp("other") / "s", size_px=3072, seed=77)


def test_the_calibration_improves_ece_on_another_scene(calibrated, other_scene, tmp_path):
    model, _ = calibrated
    out = tmp_path / "out.gpkg"
    segment(other_scene.raster_path, out, model=model, review=True)
    frame = gpd.read_file(out, layer=LAYER_NAME)
    right = right_polygons(frame, gpd.read_file(other_scene.labels_path).to_crs(frame.crs))
    assert len(frame) > 40 and 0 < right.sum() < len(frame)
    raw = reliability(frame["score"].to_numpy(), right).ece
    calibrated_ece = reliability(frame["p_correct"].to_numpy(), right).ece
    assert calibrated_ece < raw
    # the review ranks by the probability of a mistake
    np.testing.assert_allclose(frame["review_priority"], 1 - frame["p_correct"], atol=2e-4)


def test_the_model_file_round_trips_the_calibration(calibrated, tmp_path):
    model, _ = calibrated
    stored = Calibration.from_dict(model_info(model).calibration)
    assert stored is not None and POOLED in stored.weights
    assert stored.held_out["polygons"] > 0 and "ece" in stored.held_out["p_correct"]
    again = tmp_path / "again.onnx"
    info = read_onnx_info(model)
    write_calibrated(model, info, again, overwrite=False)
    assert read_onnx_info(again).calibration == info.calibration
    pt = tmp_path / "model.pt"
    with pytest.raises(Exception, match=r"must be a \.onnx file"):
        write_calibrated(model, info, pt, overwrite=False)
    assert not pt.exists()


def test_a_calibrated_run_gives_every_polygon_p_correct_and_filters(
    calibrated, other_scene, tmp_path
):
    model, _ = calibrated
    every, sure = tmp_path / "every.gpkg", tmp_path / "sure.gpkg"
    segment(other_scene.raster_path, every, model=model)
    segment(other_scene.raster_path, sure, model=model, min_p_correct=0.9)
    all_polygons = gpd.read_file(every, layer=LAYER_NAME)
    kept = gpd.read_file(sure, layer=LAYER_NAME)
    assert list(all_polygons.columns) == [*BASE_FIELDS[:4], "p_correct", "geometry"]
    assert all_polygons["p_correct"].between(0, 1).all()
    assert len(kept) == int((all_polygons["p_correct"] >= 0.9).sum()) < len(all_polygons)
    assert kept["p_correct"].min() >= 0.9
    metadata = pyogrio.read_info(every, layer=LAYER_NAME)["layer_metadata"]
    assert metadata["p_correct"].startswith("val of ")


def test_a_model_without_calibration_segments_as_before(other_scene, tmp_path):
    uncalibrated = tmp_path / "uncalibrated.onnx"
    info = replace(read_onnx_info(DEFAULT_ONNX_PATH), calibration=None)
    write_calibrated(DEFAULT_ONNX_PATH, info, uncalibrated, overwrite=False)
    out = tmp_path / "plain.gpkg"
    said = []
    segment(other_scene.raster_path, out, model=uncalibrated, progress=lambda f, m: said.append(m))
    assert list(gpd.read_file(out, layer=LAYER_NAME).columns) == BASE_FIELDS
    assert sum("has no calibration" in message for message in said) == 1
    refused = landseg(
        "segment", other_scene.raster_path, "-o", tmp_path / "f.gpkg",
        "--model", uncalibrated, "--min-p-correct", "0.9",
    )  # fmt: skip
    assert refused.returncode == 2
    assert "has no calibration" in refused.stderr and "landseg calibrate" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "f.gpkg").exists()


def test_calibrating_on_a_labelled_map_checks_the_predictions(calibrated, other_scene, tmp_path):
    model, _ = calibrated
    reviewed, plain = tmp_path / "reviewed.gpkg", tmp_path / "plain.gpkg"
    segment(other_scene.raster_path, reviewed, model=DEFAULT_ONNX_PATH, review=True)
    segment(other_scene.raster_path, plain, model=DEFAULT_ONNX_PATH)
    labels = other_scene.labels_path
    out = tmp_path / "map.onnx"
    common = ("--labels", labels, "-o", out)
    done = landseg("calibrate", "--model", DEFAULT_ONNX_PATH, "--predictions", reviewed, *common)
    assert done.returncode == 0, done.stderr
    assert Calibration.from_dict(read_onnx_info(out).calibration).source.endswith(str(labels))
    for model_file, predictions, expected in (
        (model, reviewed, "were made by model"),  # the calibrated copy's checksum differs
        (DEFAULT_ONNX_PATH, plain, "made without --review"),
    ):
        target = tmp_path / "refused.onnx"
        refused = landseg("calibrate", "--model", model_file, "--predictions", predictions,
                          "--labels", labels, "-o", target)  # fmt: skip
        assert refused.returncode == 2 and expected in refused.stderr, refused.stderr
        assert not target.exists()


def test_a_class_with_few_polygons_falls_back_to_the_pooled_fit():
    rng = np.random.default_rng(0)
    many, few = 200, MIN_CLASS_POLYGONS - 5
    columns = {name: rng.normal(size=many + few) for name in SIGNALS}
    columns["score"] = rng.uniform(0.25, 1.0, many + few)
    right = rng.uniform(size=many + few) < columns["score"]
    classes = ["roof"] * many + ["farm"] * few
    calibration = fit(columns, classes, right, source="test")
    assert calibration.own_fit("roof") and not calibration.own_fit("farm")
    assert calibration.polygons == {POOLED: many + few, "farm": few, "roof": many}
    p = calibration.p_correct(columns, classes)
    pooled = Calibration(
        calibration.centre, calibration.spread, {POOLED: calibration.weights[POOLED]}, {}
    )
    np.testing.assert_allclose(p[many:], pooled.p_correct(columns, classes)[many:])
    assert reliability(p, right).ece < 0.1


def test_the_report_shows_the_held_out_calibration(calibrated, recorded_run, tmp_path):
    model, _ = calibrated
    stored = Calibration.from_dict(model_info(model).calibration)
    held = {**stored.held_out, "fits": stored.polygons}  # as training records it
    edit_record(recorded_run, lambda record: record.update(calibration=held))
    markdown = _report(recorded_run, tmp_path)
    assert "Calibrated confidence (p_correct) | 較正済みの確信度（p_correct）" in markdown
    assert f"{held['p_correct']['ece']:.3f}" in markdown and "ECE of p_correct" in markdown
    pooled = [name for name in held["classes"] if not stored.own_fit(name)]
    assert pooled and "use the fit pooled over every class" in markdown
    assert "全クラス共通の当てはめを使います" in markdown
    assert list((tmp_path / "report_figures").glob("*-reliability.png"))


def test_a_run_without_enough_polygons_says_why_it_has_no_calibration(recorded_run, tmp_path):
    reason = "Only 3 predicted polygons to calibrate on (at least 10 are needed): give more."
    edit_record(recorded_run, lambda record: record.update(calibration={"skipped": reason}))
    markdown = _report(recorded_run, tmp_path)
    assert "No calibration was fitted" in markdown and reason in markdown


def _report(run_dir: Path, folder: Path) -> str:
    """The run's Markdown report (its figures beside it)."""
    markdown = folder / "report.md"
    build_report(run_dir, folder / "report.html", markdown_path=markdown, analysis=False)
    return markdown.read_text()


def test_training_fits_the_calibration_on_its_validation_tiles(tiny_run):
    run_dir, _ = tiny_run
    record = json.loads((run_dir / "record.json").read_text())
    calibration = record["calibration"]
    stored = model_info(run_dir / "best.pt").calibration
    if "skipped" in calibration:  # one epoch on tiny tiles may find too few polygons
        assert "predicted polygons to calibrate on" in calibration["skipped"] and stored is None
    else:
        assert stored is not None and stored["polygons"] == calibration["fits"]
    assert record["final"]["sha256"] == file_sha256(run_dir / "best.pt")


def test_a_calibration_without_held_out_figures_says_it_has_p_correct(recorded_run, tmp_path):
    edit_record(recorded_run, lambda record: record.update(calibration={"fits": {POOLED: 12}}))
    markdown = _report(recorded_run, tmp_path)
    assert "the polygons have p_correct" in markdown and "there are no held-out figures" in markdown
    assert "No calibration was fitted" not in markdown
