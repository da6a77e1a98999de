"""Model files: the metadata LandSeg stores in them, and where the shipped model lives.

LandSeg stores its own metadata (class names, tile size, overlap, bands, pixel size) inside the
model file (a ``.pt`` checkpoint or ONNX ``metadata_props``), so a trained model needs no extra
flags when it segments.
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from landseg import defaults
from landseg.errors import InvalidParameterError
from landseg.extras import importable, require_training
from landseg.messages import Message

METADATA_KEY = "landseg"  # key in a .pt checkpoint and in ONNX metadata_props
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "landseg-default-seg.pt"
# The same model exported with landseg export-model: what an install without PyTorch runs.
DEFAULT_ONNX_PATH = DEFAULT_MODEL_PATH.with_suffix(".onnx")


@dataclass
class ModelInfo:
    """What a model file carries about how it wants to be used."""

    class_names: list[str]
    tile_size_px: int = defaults.TILE_SIZE_PX
    overlap_px: int = defaults.OVERLAP_PX
    bands: list[int] = field(default_factory=lambda: [1, 2, 3])
    pixel_size_m: float | None = None
    # [finest, coarsest] pixel size (m) of the training rasters: a raster inside it is read at
    # its own pixels, one outside at the nearer end (pixel_size_m alone: always at that size)
    pixel_size_range_m: list[float] | None = None
    input_size_px: int | None = None  # network input size when it differs from the tile size
    normalisation: str = "uint8; 16-bit rasters stretched to the 2nd-98th percentile"
    calibration: dict | None = None  # ``inference.confidence.Calibration`` as a dict
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


def read_model_info(path: Path, yolo: Any) -> ModelInfo:
    """LandSeg's metadata stored in a model file, or what ultralytics knows when absent."""
    if path.suffix == ".onnx":
        return read_onnx_info(path)
    names = yolo.names
    class_names = [names[i] for i in sorted(names)] if isinstance(names, dict) else list(names)
    stored = json.loads((getattr(yolo, "ckpt", None) or {}).get(METADATA_KEY, "{}"))
    if not stored.get("tile_size_px"):
        imgsz = (getattr(yolo, "overrides", {}) or {}).get("imgsz") or 640
        stored["tile_size_px"] = int(imgsz if np.isscalar(imgsz) else max(imgsz))
    stored["class_names"] = class_names
    return ModelInfo(**stored, name=path.name, sha256=file_sha256(path))


def onnx_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file (ultralytics' and LandSeg's), read by ONNX
    Runtime (the core install has no ``onnx`` package)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return dict(session.get_modelmeta().custom_metadata_map)


def read_onnx_info(
    path: Path, metadata: dict[str, str] | None = None, *, sha256: str | None = None
) -> ModelInfo:
    """LandSeg's metadata of an ONNX file, completed from what ultralytics' export recorded;
    ``sha256`` (of the file the user gave) when known, else the ONNX file's."""
    metadata = metadata if metadata is not None else onnx_metadata(path)
    stored = json.loads(metadata.get(METADATA_KEY, "{}"))
    if not stored.get("class_names"):
        names = ast.literal_eval(metadata.get("names", "{}"))
        stored["class_names"] = [names[i] for i in sorted(names)]
    if not stored.get("tile_size_px"):
        imgsz = ast.literal_eval(metadata.get("imgsz", "640"))
        stored["tile_size_px"] = int(imgsz if np.isscalar(imgsz) else max(imgsz))
    return ModelInfo(**stored, name=path.name, sha256=sha256 or file_sha256(path))


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


def check_calibrated_output(model: Path, output: Path, *, overwrite: bool) -> None:
    """Before any work: ``output`` may receive a calibrated copy of ``model`` (same kind of
    file, not the model itself, new or ``overwrite``), and this installation can write it."""
    from landseg.io.atomic import check_output

    if output.suffix != model.suffix:
        raise InvalidParameterError(
            Message(
                "calibration.output_suffix", output=output, suffix=model.suffix, name=model.name
            )
        )
    if output.absolute() == model.absolute():
        raise InvalidParameterError(Message("calibration.output_is_model", output=output))
    check_output(output, overwrite=overwrite)
    if not importable("onnx" if model.suffix == ".onnx" else "torch"):
        require_training(f"Storing a calibration in a {model.suffix} file")


def write_calibrated(model: Path, info: ModelInfo, output: Path, *, overwrite: bool) -> Path:
    """A copy of ``model`` at ``output`` whose metadata is ``info`` (its calibration with it),
    built beside ``output`` and put in place at the end; ``model`` itself is only read."""
    import shutil

    from landseg.io.atomic import atomic_output

    check_calibrated_output(model, output, overwrite=overwrite)
    with atomic_output(output, overwrite=overwrite) as temporary:
        shutil.copyfile(model, temporary)
        write_model_info(temporary, info)
    return output
