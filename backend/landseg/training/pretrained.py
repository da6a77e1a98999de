"""Published ultralytics segmentation weights by name: downloaded once, on request, and checked.

``landseg train --model yolov8s-seg.pt`` (a name, not a file) fetches the published COCO
weights into LandSeg's cache (``weights/`` beside the ONNX ``models/`` folder) and hands
ultralytics the cached file, so ultralytics itself never downloads. The file's size and SHA-256
are recorded on first use (``<name>.json`` beside it); a cached file that changes later is
refused. Without internet the error names the URL to fetch and the path to put it at.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from landseg.errors import ModelLoadError
from landseg.inference.runtimes.model_files import file_sha256
from landseg.io.atomic import atomic_output
from landseg.messages import Message

PUBLISHED = tuple(f"{family}{size}-seg.pt" for family in ("yolov8", "yolo11") for size in "nsmlx")
URL_VARIABLE = "LANDSEG_WEIGHTS_URL"
DEFAULT_URL = "https://github.com/ultralytics/assets/releases/download/v8.3.0"
TIMEOUT_S = 60  # per connection attempt and per read


def is_published(name: str) -> bool:
    """Whether ``name`` is one of the published segmentation weights LandSeg can fetch."""
    return name in PUBLISHED


def weights_folder() -> Path:
    """``$LANDSEG_CACHE_DIR/weights``, else ``weights/`` beside the user's ONNX model cache."""
    from landseg.inference.runtimes.onnx_runtime import (  # cv2, rasterio
        CACHE_VARIABLE,
        cache_folder,
    )

    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE]) / "weights"
    return cache_folder().parent / "weights"


def weights_url(name: str) -> str:
    """Where ``name`` is published (``$LANDSEG_WEIGHTS_URL`` replaces the release folder)."""
    base = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    return f"{base.rstrip('/')}/{name}"


def published_weights(name: str, say: Callable[[str], None] | None = None) -> Path:
    """The cached file of the published weights ``name``, downloaded on first use.

    Raises:
        ModelLoadError: The download failed (the message names the URL and the cache path), or
            the cached file differs from the one first recorded.
    """
    target = weights_folder() / name
    if not target.is_file():
        url = weights_url(name)
        if say is not None:
            say(Message("weights.download", name=name, url=url, path=target))
        _download(url, target)
    _check_unchanged(target)
    return target


def _download(url: str, target: Path) -> None:
    """``url`` into ``target`` through a temporary file beside it, renamed when complete."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target, overwrite=True) as temporary:
            with (
                urllib.request.urlopen(url, timeout=TIMEOUT_S) as response,
                open(temporary, "wb") as handle,
            ):
                shutil.copyfileobj(response, handle, 1 << 20)
                expected = response.headers.get("Content-Length")
            received = temporary.stat().st_size
            if expected is not None and received != int(expected):
                raise OSError(Message("weights.short", received=received, expected=expected))
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise ModelLoadError(
            Message("weights.offline", name=target.name, cause=_reason(error), url=url, path=target)
        ) from None


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        return str(error.reason)
    return str(error) or type(error).__name__


def _check_unchanged(path: Path) -> None:
    """Record ``path``'s size and SHA-256 on first use; refuse the file if they change."""
    record = path.with_name(f"{path.name}.json")
    found = {"size": path.stat().st_size, "sha256": file_sha256(path)}
    if not record.is_file():
        _check_checkpoint(path)  # only a real checkpoint is recorded as the trusted file
        with atomic_output(record, overwrite=True) as temporary:
            temporary.write_text(json.dumps(found), encoding="utf-8")
        return
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict) or {k: recorded.get(k) for k in found} != found:
        raise ModelLoadError(Message("weights.changed", path=path, record=record))


def _check_checkpoint(path: Path) -> None:
    """Refuse a file that is not a PyTorch checkpoint (a zip holding its ``data.pkl``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if any(name.endswith("/data.pkl") or name == "data.pkl" for name in archive.namelist()):
                return
    except (OSError, zipfile.BadZipFile):
        pass
    size, url = path.stat().st_size, weights_url(path.name)
    raise ModelLoadError(Message("pretrained.not_checkpoint", path=path, size=size, url=url))
