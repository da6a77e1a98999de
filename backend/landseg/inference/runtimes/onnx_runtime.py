"""ONNX Runtime: the fastest forward pass on a CPU, with LandSeg's own pre- and post-processing.

A ``.pt`` model is exported to ONNX once (dynamic batch and size) and cached under the user's
cache folder, keyed by the model file's SHA-256; later runs load the cached file and import
neither torch nor ultralytics. The cache holds only ONNX files, never pickles.
"""

from __future__ import annotations

import os
import queue
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from landseg import defaults
from landseg.errors import LandSegError, LandSegWarning, ModelLoadError
from landseg.inference.runtimes.model_files import ModelInfo, file_sha256, read_onnx_info
from landseg.inference.runtimes.yolo_seg import batch, input_size, tile_instances
from landseg.inference.segmenter import BusyClock, SegmenterBase, Tile, TileInstance
from landseg.messages import Message

CACHE_VARIABLE = "LANDSEG_CACHE_DIR"


def cache_folder() -> Path:
    """Where exported models are kept: ``$LANDSEG_CACHE_DIR``, else the user's cache folder."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "landseg" / "models"


def cached_onnx(model_path: Path) -> tuple[Path, str]:
    """The ONNX export of a ``.pt`` model (from the cache, exported on first use) and the
    ``.pt`` file's SHA-256.

    Raises:
        ModelLoadError: The model cannot be exported; ``--runtime torch`` is the way out.
    """
    sha256 = file_sha256(model_path)
    folder = cache_folder()
    target = folder / f"{model_path.stem}-{sha256[:16]}.onnx"
    if target.is_file():
        return target, sha256
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder)  # noqa: SIM115 - closed just below
        probe.close()
    except OSError as error:
        warnings.warn(
            Message(
                "onnx.cache_not_writable", folder=folder, error=error.strerror, name=model_path.name
            ),
            LandSegWarning,
            stacklevel=3,
        )
        target = Path(tempfile.mkdtemp(prefix="landseg-onnx-")) / target.name
    _export(model_path, target)
    return target, sha256


def _export(model_path: Path, target: Path) -> None:
    from landseg.inference.runtimes.onnx_export import export_onnx

    try:
        export_onnx(model_path, target, overwrite=True)
    except LandSegError:
        raise
    except Exception as error:
        raise ModelLoadError(
            Message(
                "onnx.export_failed",
                name=model_path.name,
                error_type=type(error).__name__,
                error=str(error).strip()[:150],
            )
        ) from None


class OnnxSegmenter(SegmenterBase):
    """A YOLO-seg ONNX model on ONNX Runtime behind ``Segmenter``: each of its sessions
    predicts one batch at a time."""

    def __init__(
        self,
        sessions: Sequence[Any],
        info: ModelInfo,
        *,
        conf: float = defaults.CONFIDENCE,
        iou: float = defaults.NMS_IOU,
        batch_size: int = defaults.BATCH_TILES,
        device: str = "cpu",
    ) -> None:
        self.parallel_batches = len(sessions)
        self._sessions: queue.SimpleQueue = queue.SimpleQueue()  # the free ones
        for session in sessions:
            self._sessions.put(session)
        self.input_name = sessions[0].get_inputs()[0].name
        self.info = info
        self.class_names = list(info.class_names)
        self.device = device
        self.runtime = "onnx"
        self.conf, self.iou, self.batch_size = conf, iou, batch_size
        self._clock = BusyClock()

    @property
    def forward_seconds(self) -> float:
        """Seconds during which the network ran (on any session), for overhead figures."""
        return self._clock.seconds

    def predict(self, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        """Instances per tile, one forward pass per batch of ``batch_size`` tiles.

        Up to ``parallel_batches`` calls may run at once, from different threads.
        """
        session = self._sessions.get()
        try:
            return self._predict(session, tiles)
        finally:
            self._sessions.put(session)

    def _predict(self, session, tiles: Sequence[Tile]) -> list[list[TileInstance]]:
        results: list[list[TileInstance]] = []
        for start in range(0, len(tiles), self.batch_size):
            chunk = tiles[start : start + self.batch_size]
            tile_px = chunk[0].image.shape[0]
            input_px = input_size(self.info, tile_px)
            images = batch(chunk, input_px)
            with self._clock:
                predictions, protos = session.run(None, {self.input_name: images})
            results.extend(
                tile_instances(
                    prediction,
                    proto,
                    n_classes=len(self.class_names),
                    conf=self.conf,
                    iou=self.iou,
                    input_px=input_px,
                    tile_px=tile_px,
                )
                for prediction, proto in zip(predictions, protos, strict=True)
            )
        return results


def _sessions(path: Path, providers: Sequence[str], model_path: Path) -> list[Any]:
    """The model's ONNX Runtime sessions, made at once. On a CPU two, each on half of the
    cores: they predict two batches at once, neither waiting for the other's threads, and
    what reads, decodes and writes fills the gaps. On a GPU one."""
    count = 1 if "CUDAExecutionProvider" in providers else 2
    threads = max(1, _physical_cores() // count) if count > 1 else 0
    with ThreadPoolExecutor(max_workers=count) as pool:
        made = [pool.submit(_session, path, providers, threads, model_path) for _ in range(count)]
        return [future.result() for future in made]


def _session(path: Path, providers: Sequence[str], threads: int, model_path: Path):
    """An ONNX Runtime session of the model; ``threads`` 0: ONNX Runtime's default."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    options.intra_op_num_threads = threads
    # Threads that wait for work sleep instead of spinning: the CPU they would burn is
    # what reading, decoding and writing need beside the forward pass.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=list(providers))
    except Exception as error:
        raise ModelLoadError(
            Message(
                "onnx.unreadable",
                path=model_path,
                error_type=type(error).__name__,
                error=str(error).strip()[:150],
            )
        ) from None


def _physical_cores() -> int:
    import psutil

    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


def onnx_segmenter(
    model_path: Path, *, conf: float, iou: float, batch_size: int, device: str
) -> OnnxSegmenter:
    """An ONNX Runtime segmenter for a ``.pt`` (exported and cached) or ``.onnx`` file.

    The model's metadata names the file the user gave (its name and SHA-256), not the cache.
    """
    if model_path.suffix.lower() == ".pt":
        onnx_path, sha256 = cached_onnx(model_path)
    else:
        onnx_path, sha256 = model_path, None
    providers = ["CPUExecutionProvider"]
    if device.startswith("cuda"):
        providers.insert(0, "CUDAExecutionProvider")
    sessions = _sessions(onnx_path, providers, model_path)
    metadata = sessions[0].get_modelmeta().custom_metadata_map
    try:
        info = read_onnx_info(onnx_path, metadata, sha256=sha256)
    except Exception as error:
        raise ModelLoadError(
            Message(
                "model.unreadable",
                path=model_path,
                error_type=type(error).__name__,
                cause=str(error).strip()[:150],
            )
        ) from None
    task = metadata.get("task", "segment")
    if task != "segment":
        raise ModelLoadError(Message("model.not_segmentation", path=model_path, task=task))
    info.name = model_path.name
    return OnnxSegmenter(
        sessions,
        info,
        conf=conf,
        iou=iou,
        batch_size=batch_size,
        device="cuda" if device.startswith("cuda") else "cpu",
    )
