"""Models: the ``Segmenter`` protocol, model metadata, and the ultralytics implementation.

A model is anything with ``class_names`` and ``predict(tiles)``. Users bring ultralytics
YOLOv8/11-seg ``.pt`` files or their ONNX exports; both load through :func:`load`. LandSeg
stores its own metadata (class names, tile size, overlap, bands, pixel size) inside the model
file, so a trained model needs no extra flags when it segments.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from affine import Affine
from rasterio.windows import Window

from landseg import defaults
from landseg.errors import DeviceUnavailableError, InvalidParameterError, ModelLoadError

METADATA_KEY = "landseg"  # key in a .pt checkpoint and in ONNX metadata_props
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "landseg-default-seg.pt"


@dataclass
class Tile:
    """One window of the raster, ready for the model."""

    image: np.ndarray  # H x W x C uint8, bands in the order the model expects
    window: Window  # position in the source raster (pixels)
    transform: Affine  # affine of the tile's pixels in map units


@dataclass
class TileInstance:
    """One object the model found in a tile."""

    mask: np.ndarray  # H x W bool, tile pixels
    class_id: int
    score: float


@runtime_checkable
class Segmenter(Protocol):
    """What the pipeline needs of a model."""

    class_names: list[str]

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Instances per tile, one list per tile in the same order."""
        ...


@dataclass
class ModelInfo:
    """What a model file carries about how it wants to be used."""

    class_names: list[str]
    tile_size_px: int = defaults.TILE_SIZE_PX
    overlap_px: int = defaults.OVERLAP_PX
    bands: list[int] = field(default_factory=lambda: [1, 2, 3])
    pixel_size_m: float | None = None
    input_size_px: int | None = None  # network input size when it differs from the tile size
    normalisation: str = "uint8; 16-bit rasters stretched to the 2nd-98th percentile"
    name: str = ""
    sha256: str = ""

    def to_json(self) -> str:
        """JSON of the fields stored in a model file (name and hash come from the file)."""
        stored = asdict(self)
        del stored["name"], stored["sha256"]
        return json.dumps(stored)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_device(device: str = defaults.DEVICE) -> str:
    """Turn ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` into a device torch can use.

    ``auto`` picks the first CUDA GPU when torch sees one, else the CPU.
    """
    import torch

    requested = device.strip().lower()
    if requested == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if requested == "cpu":
        return "cpu"
    if requested == "cuda":
        index = 0
    elif requested.startswith("cuda:") and requested[5:].isdigit():
        index = int(requested[5:])
    elif requested.isdigit():
        index = int(requested)
    else:
        raise InvalidParameterError(f"Unknown device '{device}': use auto, cpu, cuda or cuda:N.")
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if index >= count:
        found = f"{count} CUDA GPU(s)" if count else "no CUDA GPU"
        raise DeviceUnavailableError(
            f"Device '{device}' was requested but torch sees {found} on this machine: "
            "use --device auto or --device cpu."
        )
    return f"cuda:{index}"


def resolve_devices(device: str = defaults.DEVICE) -> list[str]:
    """Like :func:`resolve_device`, and also a comma list of CUDA GPUs for training on several.

    ``0,1`` or ``cuda:0,cuda:1`` gives ``["cuda:0", "cuda:1"]`` (ultralytics then trains with
    DistributedDataParallel); a single device gives a list of one.

    Raises:
        InvalidParameterError: An entry of the list is not a CUDA GPU index, or repeats one.
        DeviceUnavailableError: torch does not see every GPU of the list.
    """
    parts = [part.strip().lower() for part in device.split(",")]
    if len(parts) == 1:
        return [resolve_device(device)]
    indices = [part.removeprefix("cuda:") for part in parts]
    if not all(index.isdigit() for index in indices):
        raise InvalidParameterError(
            f"Device list '{device}' may only name CUDA GPUs: give their indices, e.g. 0,1 or "
            "cuda:0,cuda:1 (or one device: auto, cpu, cuda:N)."
        )
    numbers = [int(index) for index in indices]
    if len(set(numbers)) != len(numbers):
        raise InvalidParameterError(
            f"Device list '{device}' names a GPU more than once: name each GPU once, e.g. 0,1."
        )
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    missing = [n for n in numbers if n >= count]
    if missing:
        found = f"{count} CUDA GPU(s) (indices 0 to {count - 1})" if count else "no CUDA GPU"
        raise DeviceUnavailableError(
            f"GPU(s) {', '.join(map(str, missing))} of device list '{device}' were requested "
            f"but torch sees {found} on this machine: list only GPUs it has, or use --device "
            "auto."
        )
    return [f"cuda:{n}" for n in numbers]


def describe_device(device: str) -> str:
    """Human-readable name of a resolved device, e.g. ``CUDA: NVIDIA H100`` or ``CPU``."""
    if device.startswith("cuda"):
        import torch

        return f"CUDA: {torch.cuda.get_device_name(int(device.split(':')[1]))}"
    return "CPU"


class UltralyticsSegmenter:
    """A YOLOv8/11-seg model (``.pt`` or ultralytics-exported ``.onnx``) behind ``Segmenter``."""

    def __init__(
        self,
        yolo: Any,
        info: ModelInfo,
        *,
        device: str,
        conf: float = defaults.CONFIDENCE,
        iou: float = defaults.NMS_IOU,
        batch_size: int = defaults.BATCH_TILES,
    ) -> None:
        self.yolo = yolo
        self.info = info
        self.class_names = list(info.class_names)
        self.device = device
        self.half = device.startswith("cuda")
        self.conf = conf
        self.iou = iou
        self.batch_size = batch_size
        self.forward_seconds = 0.0  # time inside the model, for overhead figures

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Run the model on ``tiles`` in batches; halves the batch on CUDA out-of-memory."""
        results: list[list[TileInstance]] = []
        start = 0
        while start < len(tiles):
            chunk = tiles[start : start + self.batch_size]
            try:
                results.extend(self._predict_batch(chunk))
            except Exception as error:
                if not _is_out_of_memory(error) or self.batch_size == 1:
                    raise
                self.batch_size = max(1, self.batch_size // 2)
                _empty_cuda_cache()
                continue
            start += len(chunk)
        return results

    def _input_size(self, tile_px: int) -> int:
        """Network input size for a tile: the tile's own size, scaled as in training when the
        model learnt on tiles resized to another input size (a multiple of 32)."""
        info = self.info
        if not info.input_size_px or info.input_size_px == info.tile_size_px:
            return tile_px
        return max(32, round(tile_px * info.input_size_px / info.tile_size_px / 32) * 32)

    def _predict_batch(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        # ultralytics takes numpy images as BGR (OpenCV's order); tiles are RGB.
        images = [np.ascontiguousarray(tile.image[..., ::-1]) for tile in tiles]
        started = time.perf_counter()
        outputs = self.yolo.predict(
            images,
            imgsz=self._input_size(max(images[0].shape[:2])),
            conf=self.conf,
            iou=self.iou,
            device=self.device,
            quantize="fp16" if self.half else None,
            retina_masks=True,
            max_det=1000,
            batch=len(images),
            verbose=False,
        )
        self.forward_seconds += time.perf_counter() - started
        return [_instances(output) for output in outputs]


def _instances(output: Any) -> list[TileInstance]:
    if output.masks is None or len(output.boxes) == 0:
        return []
    masks = output.masks.data.cpu().numpy() > 0.5
    classes = output.boxes.cls.cpu().numpy().astype(int)
    scores = output.boxes.conf.cpu().numpy().astype(float)
    return [
        TileInstance(mask=m, class_id=int(c), score=float(s))
        for m, c, s in zip(masks, classes, scores, strict=True)
    ]


def _is_out_of_memory(error: Exception) -> bool:
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in str(error).lower()


def _empty_cuda_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def read_model_info(path: Path, yolo: Any) -> ModelInfo:
    """LandSeg's metadata stored in a model file, or what ultralytics knows when absent."""
    names = yolo.names
    class_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    stored: dict[str, Any] = {}
    if path.suffix == ".pt":
        stored = json.loads((getattr(yolo, "ckpt", None) or {}).get(METADATA_KEY, "{}"))
    elif path.suffix == ".onnx":
        import onnx

        props = {
            p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props
        }
        stored = json.loads(props.get(METADATA_KEY, "{}"))
    if not stored.get("tile_size_px"):
        imgsz = (getattr(yolo, "overrides", {}) or {}).get("imgsz") or 640
        stored["tile_size_px"] = int(imgsz if np.isscalar(imgsz) else max(imgsz))
    stored["class_names"] = class_names
    return ModelInfo(**stored, name=path.name, sha256=file_sha256(path))


def load(
    path: str | Path | None = None,
    *,
    device: str = defaults.DEVICE,
    conf: float = defaults.CONFIDENCE,
    iou: float = defaults.NMS_IOU,
    batch_size: int = defaults.BATCH_TILES,
    expected_classes: Sequence[str] | None = None,
) -> UltralyticsSegmenter:
    """Load a segmentation model from a ``.pt`` or ``.onnx`` file (default: the shipped model).

    Raises:
        ModelLoadError: The file is missing, corrupt, not a segmentation model, or lacks one
            of ``expected_classes`` (matched by name).
        DeviceUnavailableError: ``device`` names a GPU this machine does not have.
    """
    model_path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    if not model_path.is_file():
        hint = (
            "the shipped default model is missing from this installation: reinstall LandSeg"
            if path is None
            else "check the path, or leave the model option out to use the shipped default"
        )
        raise ModelLoadError(f"Model file '{model_path}' does not exist: {hint}.")
    if model_path.suffix.lower() not in (".pt", ".onnx"):
        raise ModelLoadError(
            f"Model file '{model_path}' is not a .pt or .onnx file: give an ultralytics "
            "YOLOv8/11-seg model (.pt) or its ONNX export."
        )
    resolved = resolve_device(device)
    yolo, info = _read_model(model_path)
    if expected_classes is not None:
        check_model_classes(f"Model '{model_path.name}'", info.class_names, expected_classes)
    return UltralyticsSegmenter(
        yolo, info, device=resolved, conf=conf, iou=iou, batch_size=batch_size
    )


def check_model_classes(model: str, known: Sequence[str], expected: Sequence[str]) -> None:
    """Refuse a model that lacks one of the ``expected`` classes (matched by name, any order)."""
    missing = [name for name in expected if name not in known]
    if missing:
        raise ModelLoadError(
            f"{model} does not know the classes {missing} (it knows {list(known)}): choose a "
            "model trained for them, or fine-tune one with landseg train."
        )


def _read_model(model_path: Path) -> tuple[Any, ModelInfo]:
    """The ultralytics model and its metadata; one clear error for any file that is not one."""
    from landseg.offline import import_ultralytics, quiet_ultralytics

    import_ultralytics()
    from ultralytics import YOLO

    try:
        with quiet_ultralytics():
            yolo = YOLO(str(model_path), task="segment")
            info = read_model_info(model_path, yolo)
            task = yolo.task if model_path.suffix == ".pt" else _onnx_task(model_path)
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "corrupt file"
        raise ModelLoadError(
            f"Model file '{model_path}' could not be read ({type(error).__name__}: "
            f"{first_line}): give an ultralytics YOLOv8/11-seg .pt or .onnx file."
        ) from None
    if task != "segment":
        raise ModelLoadError(
            f"Model file '{model_path}' is a '{task}' model, not a segmentation model: "
            "use a YOLO '-seg' model (e.g. trained with landseg train)."
        )
    return yolo, info


def _onnx_task(path: Path) -> str:
    """The task ultralytics recorded in an exported ONNX file (``segment`` when unrecorded)."""
    import onnx

    props = {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}
    return props.get("task", "segment")


def write_model_info(path: str | Path, info: ModelInfo) -> None:
    """Store ``info`` inside a ``.pt`` checkpoint or an ``.onnx`` file, in place."""
    path = Path(path)
    if path.suffix == ".onnx":
        import onnx

        model = onnx.load(str(path))
        kept = [p for p in model.metadata_props if p.key != METADATA_KEY]
        del model.metadata_props[:]
        model.metadata_props.extend(kept)
        entry = model.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, info.to_json()
        onnx.save(model, str(path))
        return
    import torch

    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    checkpoint[METADATA_KEY] = info.to_json()
    torch.save(checkpoint, path)


def export_onnx(
    model_path: str | Path, output_path: str | Path, *, overwrite: bool = False
) -> Path:
    """Export a ``.pt`` model to ONNX (faster on CPU), carrying its LandSeg metadata along.

    ultralytics writes its export beside the model it reads, so the model is first copied into
    a temporary folder beside ``output_path``: nothing is written next to the source model, and
    the final rename never crosses file systems.
    """
    from landseg.io.atomic import atomic_output, check_output
    from landseg.offline import quiet_ultralytics

    model_path, output_path = Path(model_path), Path(output_path).absolute()
    if model_path.suffix.lower() != ".pt":
        raise InvalidParameterError(
            f"'{model_path}' is not a .pt model: export-model converts a PyTorch model to ONNX "
            "(an .onnx file needs no export)."
        )
    if output_path.suffix.lower() != ".onnx":
        raise InvalidParameterError(
            f"Output '{output_path}' must end in .onnx: give e.g. -o {model_path.stem}.onnx."
        )
    check_output(output_path, overwrite=overwrite)
    segmenter = load(model_path, device="cpu")
    info = segmenter.info
    with (
        tempfile.TemporaryDirectory(prefix=".landseg-export-", dir=output_path.parent) as folder,
        atomic_output(output_path, overwrite=overwrite) as temporary,
    ):
        copy = Path(folder) / "model.pt"
        shutil.copyfile(model_path, copy)
        yolo = _read_model(copy)[0]
        with quiet_ultralytics():
            exported = yolo.export(
                format="onnx",
                imgsz=info.input_size_px or info.tile_size_px,
                dynamic=True,
                simplify=True,
                device="cpu",
                verbose=False,
            )
        os.replace(exported, temporary)
        write_model_info(temporary, info)
    return output_path
