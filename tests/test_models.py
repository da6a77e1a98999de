"""Loading real ultralytics models from files, device selection and batching logic."""

import geopandas as gpd
import pytest
import torch

from landseg.errors import DeviceUnavailableError, InvalidParameterError, ModelLoadError
from landseg.inference.pipeline import LAYER_NAME, segment
from landseg.inference.runtimes.devices import resolve_device
from landseg.inference.runtimes.loading import load
from landseg.inference.runtimes.model_files import ModelInfo
from landseg.inference.runtimes.onnx_export import export_onnx
from landseg.inference.runtimes.ultralytics_runtime import UltralyticsSegmenter
from landseg.inference.segmenter import Segmenter, Tile


@pytest.fixture(scope="module")
def tiny_model(tiny_run):
    return tiny_run[0] / "best.pt"


@pytest.mark.slow
def test_loaded_model_carries_its_metadata(tiny_model):
    segmenter = load(tiny_model, device="cpu")
    assert isinstance(segmenter, Segmenter)
    info = segmenter.info
    assert info.class_names == ["roof", "farm", "rice-fields", "Baren-Land"]
    assert (info.tile_size_px, info.overlap_px, info.bands) == (128, 16, [1, 2, 3])
    assert info.pixel_size_m == 0.5 and info.input_size_px == 128
    assert len(info.sha256) == 64 and segmenter.device == "cpu"
    assert segmenter.runtime == "onnx"  # the fastest runtime on a CPU


@pytest.mark.slow
def test_real_model_segments_end_to_end(tiny_model, small_scene, tmp_path):
    out = tmp_path / "out.gpkg"
    result = segment(small_scene.raster_path, out, model=tiny_model, device="cpu", conf=0.001)
    assert result.tiles_total == 25  # 128 px tiles, 16 px overlap, from the model's metadata
    assert result.timings_s["model_forward"] > 0
    frame = gpd.read_file(out, layer=LAYER_NAME)
    assert set(frame["class"]) <= {"roof", "farm", "rice-fields", "Baren-Land"}
    assert frame.is_valid.all()


@pytest.mark.slow
def test_onnx_export_keeps_metadata_and_predicts(tiny_model, small_scene, tmp_path):
    onnx_path = export_onnx(tiny_model, tmp_path / "tiny.onnx")
    segmenter = load(onnx_path, device="cpu", conf=0.001)
    assert segmenter.info.class_names == load(tiny_model, device="cpu").info.class_names
    assert segmenter.info.tile_size_px == 128
    image = __import__("numpy").zeros((128, 128, 3), dtype="uint8")
    tiles = [Tile(image, None, None), Tile(image, None, None)]
    assert len(segmenter.predict(tiles)) == 2


@pytest.mark.slow
def test_missing_corrupt_and_wrong_models(tmp_path, tiny_model):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load(tmp_path / "nope.pt")
    corrupt = tmp_path / "broken.pt"
    corrupt.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ModelLoadError, match="could not be read"):
        load(corrupt)
    with pytest.raises(ModelLoadError, match=r"\.pt or \.onnx"):
        load(__file__)
    with pytest.raises(ModelLoadError, match=r"does not know the classes \['building'\]"):
        load(tiny_model, expected_classes=["building"])
    # classes are matched by name: another order, or a subset, is the same model
    names = load(tiny_model).class_names
    assert load(tiny_model, expected_classes=names[::-1]).class_names == names
    assert load(tiny_model, expected_classes=names[:1]).class_names == names


@pytest.mark.slow
def test_detection_model_is_refused(tmp_path):
    from landseg.offline import import_ultralytics

    import_ultralytics()
    from ultralytics import YOLO

    path = tmp_path / "detect.pt"
    YOLO("yolov8n.yaml").save(path)
    with pytest.raises(ModelLoadError, match="not a segmentation model"):
        load(path)


def test_device_selection(monkeypatch):
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    with pytest.raises(DeviceUnavailableError, match=r"no CUDA GPU.*--device cpu"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr("landseg.inference.runtimes.devices.gpu_present", lambda: True)
    assert resolve_device("auto") == "cuda:0"
    assert resolve_device("cuda:1") == resolve_device("1") == "cuda:1"
    with pytest.raises(DeviceUnavailableError, match="2 CUDA GPU"):
        resolve_device("cuda:2")
    with pytest.raises(InvalidParameterError, match="Unknown device"):
        resolve_device("tpu")


class _FakeYolo:
    """Runs out of CUDA memory on batches larger than ``limit``."""

    def __init__(self, limit):
        self.limit, self.batches, self.half_seen = limit, [], set()

    def predict(self, images, *, batch, quantize, **kwargs):
        if batch > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        self.batches.append(batch)
        self.half_seen.add(quantize)
        return [type("R", (), {"masks": None, "boxes": []})() for _ in images]


def test_cuda_path_halves_batch_on_out_of_memory_and_uses_half_precision():
    fake = _FakeYolo(limit=3)
    segmenter = UltralyticsSegmenter(fake, ModelInfo(["roof"]), device="cuda:0", batch_size=16)
    image = torch.zeros(8, 8, 3, dtype=torch.uint8).numpy()
    out = segmenter.predict([Tile(image, None, None)] * 10)
    assert len(out) == 10
    assert segmenter.batch_size == 2 and fake.batches == [2, 2, 2, 2, 2]
    assert fake.half_seen == {"fp16"}


def test_other_errors_are_not_swallowed():
    class Broken:
        def predict(self, *args, **kwargs):
            raise RuntimeError("shape mismatch")

    segmenter = UltralyticsSegmenter(Broken(), ModelInfo(["roof"]), device="cpu")
    image = torch.zeros(8, 8, 3, dtype=torch.uint8).numpy()
    with pytest.raises(RuntimeError, match="shape mismatch"):
        segmenter.predict([Tile(image, None, None)])


class _OutOfMemoryAbove(torch.nn.Module):
    """A network that runs out of CUDA memory on batches larger than ``limit``."""

    def __init__(self, limit):
        super().__init__()
        self.limit, self.batches = limit, []

    def forward(self, images):
        if len(images) > self.limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        self.batches.append(len(images))
        n = len(images)
        return (torch.zeros(n, 4 + 4 + 32, 10), torch.zeros(n, 32, 8, 8)), None


def test_torch_runtime_halves_its_batch_on_out_of_memory(monkeypatch):
    from landseg.inference.runtimes.torch_runtime import TorchSegmenter

    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    network = _OutOfMemoryAbove(limit=2)
    info = ModelInfo(class_names=["roof", "farm", "rice-fields", "Baren-Land"], tile_size_px=32)
    segmenter = TorchSegmenter(network, info, device="cpu", batch_size=8)
    image = __import__("numpy").zeros((32, 32, 3), dtype="uint8")
    results = segmenter.predict([Tile(image, None, None)] * 7)
    assert results == [[]] * 7
    assert segmenter.batch_size == 2 and network.batches == [2, 2, 2, 1]
