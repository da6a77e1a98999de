"""The model runtimes: ONNX Runtime and torch with LandSeg's decoding give ultralytics' answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pyogrio
import pytest

from landseg.errors import InvalidParameterError, ModelLoadError
from landseg.evaluation.maps import evaluate_map
from landseg.inference.pipeline import segment
from landseg.inference.runtimes.loading import choose_runtime, load
from landseg.inference.runtimes.model_files import DEFAULT_MODEL_PATH, file_sha256
from landseg.inference.runtimes.yolo_seg import (
    batch,
    candidates,
    instances,
    network_pixels,
    nms,
    select,
)
from landseg.inference.segmenter import Tile
from landseg.io.synthetic import write_scene


@pytest.mark.slow
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_onnx_and_torch_runtimes_score_like_ultralytics(seed, tmp_path):
    scene = write_scene(tmp_path / "scene", size_px=768, seed=seed)
    scores = {}
    for runtime in ("ultralytics", "onnx", "torch"):
        out = tmp_path / f"{runtime}.gpkg"
        result = segment(scene.raster_path, out, runtime=runtime, device="cpu")
        metrics = evaluate_map(out, scene.labels_path)
        scores[runtime] = (metrics.map50, metrics.map50_95, sum(result.counts.values()))
    reference = scores["ultralytics"]
    for runtime in ("onnx", "torch"):
        assert abs(scores[runtime][0] - reference[0]) <= 0.01, scores
        assert abs(scores[runtime][1] - reference[1]) <= 0.01, scores


def test_runtime_choice():
    onnx, pt = DEFAULT_MODEL_PATH.with_suffix(".onnx"), DEFAULT_MODEL_PATH
    assert choose_runtime("auto", "cpu", pt) == "onnx"
    assert choose_runtime("auto", "auto", onnx) == "onnx"
    assert choose_runtime("ultralytics", "cpu", pt) == "ultralytics"
    with pytest.raises(InvalidParameterError, match="Unknown runtime 'tensorrt'"):
        choose_runtime("tensorrt", "cpu", pt)
    with pytest.raises(InvalidParameterError, match="run it with --runtime onnx"):
        choose_runtime("torch", "cpu", onnx)


@pytest.mark.slow
def test_cached_onnx_model_runs_without_torch_ultralytics_or_pandas(small_scene, tmp_path):
    """A ``segment`` command with the ONNX model cached loads neither torch nor ultralytics, nor
    pandas (its GeoPackage writer loads that in a helper process)."""
    load(DEFAULT_MODEL_PATH, device="cpu")  # exports into the session's cache once
    out = tmp_path / "o.gpkg"
    code = (
        "import json, sys\n"
        "from landseg.cli import main\n"
        "main(['segment', sys.argv[1], '-o', sys.argv[2], '--device', 'cpu'])\n"
        "print(json.dumps([m for m in ('torch', 'ultralytics', 'pandas', 'pyogrio')"
        " if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(small_scene.raster_path), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert pyogrio.read_info(out, layer="landcover")["features"] > 0
    assert [path.name for path in tmp_path.iterdir()] == ["o.gpkg"]


@pytest.mark.slow
def test_run_metadata_names_the_model_file_not_the_cache(small_scene, tmp_path):
    import pyogrio

    segment(small_scene.raster_path, tmp_path / "o.gpkg", device="cpu", runtime="onnx")
    metadata = pyogrio.read_info(tmp_path / "o.gpkg", layer="landcover")["layer_metadata"]
    assert metadata["model_sha256"] == file_sha256(DEFAULT_MODEL_PATH)
    assert metadata["model_name"] == DEFAULT_MODEL_PATH.name and metadata["runtime"] == "onnx"


def test_failed_export_names_the_way_out(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSEG_CACHE_DIR", str(tmp_path / "cache"))

    def broken(*args, **kwargs):
        raise RuntimeError("Unsupported operator")

    monkeypatch.setattr("landseg.inference.runtimes.onnx_export.export_onnx", broken)
    with pytest.raises(ModelLoadError, match="--runtime torch"):
        load(DEFAULT_MODEL_PATH, device="cpu", runtime="onnx")
    assert not list((tmp_path / "cache").glob("*.onnx"))


@pytest.mark.slow
def test_unwritable_cache_exports_for_this_run_with_a_warning(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LANDSEG_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(UserWarning, match="not writable"):
        segmenter = load(DEFAULT_MODEL_PATH, device="cpu", runtime="onnx")
    assert segmenter.runtime == "onnx"


def _outputs(boxes: np.ndarray, n_classes: int = 4, size: int = 512):
    """Network outputs holding ``boxes`` (xyxy, input pixels) with score 0.9, class 0."""
    anchors = len(boxes) + 10
    prediction = np.zeros((4 + n_classes + 32, anchors), dtype=np.float32)
    x0, y0, x1, y1 = boxes.T
    prediction[0, : len(boxes)] = (x0 + x1) / 2
    prediction[1, : len(boxes)] = (y0 + y1) / 2
    prediction[2, : len(boxes)] = x1 - x0
    prediction[3, : len(boxes)] = y1 - y0
    prediction[4, : len(boxes)] = 0.9
    prediction[4 + n_classes, : len(boxes)] = 1.0  # coefficient of the first prototype
    protos = np.ones((32, size // 4, size // 4), dtype=np.float32)  # positive everywhere
    return prediction, protos


@pytest.mark.parametrize("input_px", [64, 48])  # the tiles' own size, and resized
def test_network_input_is_the_pixels_scaled_to_one(input_px):
    """The torch runtime sends the 8-bit pixels and scales them on its device; ONNX Runtime
    takes them scaled: the same N x 3 x H x W layout either way."""
    rng = np.random.default_rng(0)
    tiles = [Tile(rng.integers(0, 256, (3, 64, 64), dtype=np.uint8).transpose(1, 2, 0), None, None)]
    pixels = network_pixels(tiles * 2, input_px)
    assert pixels.dtype == np.uint8 and pixels.flags.c_contiguous
    assert pixels.shape == (2, 3, input_px, input_px)
    if input_px == 64:
        assert (pixels[1] == tiles[0].image.transpose(2, 0, 1)).all()
    assert np.array_equal(batch(tiles * 2, input_px), pixels.astype(np.float32) / np.float32(255))


def test_masks_fill_their_boxes_exactly():
    boxes = np.array([[10.0, 20.0, 50.0, 40.0], [100.5, 100.5, 120.2, 180.0]], dtype=np.float32)
    prediction, protos = _outputs(boxes)
    kept = select(candidates(prediction, 4, 0.25), 0.5, 1000)
    found = sorted(instances(kept, protos, 512, 512), key=lambda i: i.col_off)
    assert [(i.row_off, i.col_off, i.mask.shape) for i in found] == [
        (20, 10, (20, 40)),
        (101, 101, (79, 20)),  # pixels r with x0 <= r < x1, as ultralytics' crop_mask
    ]
    assert all(i.mask.all() for i in found)


@pytest.mark.parametrize(("input_px", "tile_px"), [(320, 320), (320, 400), (320, 300)])
def test_masks_are_ultralytics_retina_masks(input_px, tile_px):
    """Each mask is the prototype logits upsampled to the tile (torch's bilinear, corners not
    aligned), cut to its box and thresholded at 0: the same pixels, for whole and fractional
    scales (OpenCV's resize and the numpy path)."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(tile_px)
    corners = rng.uniform(0, input_px - 60, size=(40, 2)).astype(np.float32)
    boxes = np.hstack([corners, corners + rng.uniform(4, 60, size=(40, 2))]).astype(np.float32)
    prediction, _ = _outputs(boxes, size=input_px)
    prediction[4, : len(boxes)] = np.linspace(0.5, 0.95, len(boxes))  # tells them apart
    prediction[4 + 4 :, : len(boxes)] = rng.normal(size=(32, len(boxes)))
    protos = rng.normal(size=(32, input_px // 4, input_px // 4)).astype(np.float32)
    kept = select(candidates(prediction, 4, 0.25), 0.99, 1000)
    logits = torch.from_numpy(kept.coefficients @ protos.reshape(32, -1))
    whole = F.interpolate(
        logits.reshape(1, -1, *protos.shape[1:]), size=(tile_px, tile_px), mode="bilinear"
    )[0].numpy()
    differ = total = 0
    for found in instances(kept, protos, input_px, tile_px):
        index = int(np.flatnonzero(kept.scores == found.score)[0])
        height, width = found.mask.shape
        expected = whole[index, found.row_off : found.row_off + height][
            :, found.col_off : found.col_off + width
        ]
        differ += int((found.mask != (expected > 0)).sum())
        total += found.mask.size
    assert total > 10_000 and differ <= total * 1e-4  # float rounding at the threshold only


def test_nms_suppresses_overlaps_above_the_threshold_only():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]], dtype=np.float32)
    scores = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    assert nms(boxes, scores, 0.5).tolist() == [0, 2]  # IoU 0.82 suppressed
    assert nms(boxes, scores, 0.9).tolist() == [0, 1, 2]


def test_memory_of_a_tile_does_not_grow_with_its_instances():
    """300 objects in a 512 px tile cost what their boxes cost, not 300 tile-sized masks."""
    peaks = {}
    for count in (3, 300):
        rng = np.random.default_rng(count)
        corners = rng.uniform(0, 480, size=(count, 2)).astype(np.float32)
        boxes = np.hstack([corners, corners + rng.uniform(8, 30, size=(count, 2))])
        prediction, protos = _outputs(boxes.astype(np.float32))
        tracemalloc.start()
        kept = select(candidates(prediction, 4, 0.25), 0.99, 1000)
        found = instances(kept, protos, 512, 512)
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(found) == count
    assert peaks[300] - peaks[3] < 10 * 2**20  # 300 whole-tile masks would be 75 MiB


def test_landseg_import_is_light():
    code = "import sys, landseg; landseg.segment; print('torch' in sys.modules)"
    env = os.environ | {"PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "False"
