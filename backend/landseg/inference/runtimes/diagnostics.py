"""``landseg doctor``: what this installation can run, and why a GPU is not used.

One report to paste into an issue: LandSeg's and its libraries' versions, which runtimes load
(ONNX Runtime, PyTorch), the GPUs the driver, PyTorch and ONNX Runtime each see, LandSeg's
cache and environment folders (size, writable), and the shipped model's checksum. Nothing here
fails: what cannot be probed is reported as such.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from landseg import __version__
from landseg.errors import LandSegError
from landseg.extras import TRAIN_EXTRA

PACKAGES = {  # distribution -> the extra that brings it ("" = the core install)
    "numpy": "",
    "rasterio": "",
    "shapely": "",
    "pyogrio": "",
    "geopandas": "",
    "pyproj": "",
    "onnxruntime": "",
    "opencv-python": "",
    "pyarrow": "parquet",
    "click": "",
    "torch": "train",
    "torchvision": "train",
    "ultralytics": "train",
    "onnx": "train",
    "dask": "distributed",
}


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def driver_gpus() -> list[str]:
    """The NVIDIA GPUs the driver lists (``nvidia-smi -L``), or [] without a driver."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        listed = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in listed.stdout.splitlines() if line.startswith("GPU")]


def _onnxruntime() -> dict[str, Any]:
    try:
        import onnxruntime
    except ImportError as error:
        return {"loads": False, "why": f"{type(error).__name__}: {error}"}
    return {"loads": True, "providers": onnxruntime.get_available_providers()}


def _torch() -> dict[str, Any]:
    if _version("torch") is None:
        return {"loads": False, "why": f"not installed (the training extra: {TRAIN_EXTRA})"}
    try:
        import torch
    except Exception as error:  # a broken install says why, the report goes on
        return {"loads": False, "why": f"{type(error).__name__}: {error}"}
    cuda = torch.cuda.is_available()
    names = (
        [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else []
    )
    return {"loads": True, "cuda_build": torch.version.cuda, "cuda_devices": names}


def cpu_runtime(ort: dict[str, Any], torch_state: dict[str, Any]) -> str:
    """The runtime a CPU segmentation uses here (LandSeg's ``--runtime auto``)."""
    if ort.get("loads"):
        return "ONNX Runtime"
    if torch_state.get("loads"):
        return "PyTorch (ONNX Runtime does not load)"
    return "nothing: neither ONNX Runtime nor PyTorch loads; reinstall LandSeg"


def gpu_note(driver: list[str], torch_state: dict[str, Any], ort: dict[str, Any]) -> str:
    """Whether LandSeg uses a GPU here and, when one is present but unused, why."""
    if torch_state.get("cuda_devices"):
        return f"GPU used: {torch_state['cuda_devices'][0]} (PyTorch, CUDA)."
    if "CUDAExecutionProvider" in ort.get("providers", []):
        return "GPU used: ONNX Runtime's CUDA provider."
    if not driver:
        return "No NVIDIA GPU is present (the driver lists none): LandSeg runs on the CPU."
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES")
    if hidden is not None and hidden.strip() in ("", "-1", "none", "NoDevFiles"):
        return (
            f"{driver[0]} is unused: CUDA_VISIBLE_DEVICES={hidden!r} hides it from LandSeg "
            "(unset it to use the GPU)."
        )
    if not torch_state.get("loads"):
        return (
            f"{driver[0]} is unused: this installation has no GPU runtime. Install the training "
            f"extra (PyTorch with CUDA): {TRAIN_EXTRA}."
        )
    build = torch_state.get("cuda_build")
    if not build:
        return (
            f"{driver[0]} is unused: this PyTorch was built without CUDA: install a CUDA build "
            "of PyTorch (https://pytorch.org/get-started/locally/)."
        )
    return (
        f"{driver[0]} is unused: PyTorch (CUDA {build}) cannot reach it: update the NVIDIA "
        f"driver to one that supports CUDA {build}, or check that no other program holds it."
    )


def _folder(path: Path) -> dict[str, Any]:
    """A folder's size and whether LandSeg can write there."""
    size = 0
    if path.is_dir():
        for root, _dirs, files in os.walk(path):
            for name in files:
                try:
                    size += (Path(root) / name).lstat().st_size
                except OSError:
                    continue
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    return {
        "path": str(path),
        "exists": path.is_dir(),
        "size_mb": round(size / 1e6, 1),
        "writable": os.access(existing, os.W_OK),
    }


def _default_model() -> dict[str, Any]:
    """The shipped model a segmentation uses here (its ONNX export without PyTorch)."""
    from landseg.inference.runtimes.loading import model_file
    from landseg.inference.runtimes.model_files import file_sha256

    try:
        path = model_file(None)
    except LandSegError as error:
        return {"path": "", "problem": str(error)}
    return {"path": str(path), "sha256": file_sha256(path)}


def diagnose() -> dict[str, Any]:
    """Everything ``landseg doctor`` reports, as plain values."""
    from landseg.inference.runtimes.onnx_runtime import cache_folder

    ort, torch_state, driver = _onnxruntime(), _torch(), driver_gpus()
    return {
        "landseg": __version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "packages": {name: _version(name) for name in PACKAGES},
        "runtimes": {"onnxruntime": ort, "torch": torch_state},
        "gpus": {"driver": driver, "gpu": gpu_note(driver, torch_state, ort)},
        "folders": {"cache": _folder(cache_folder()), "environment": _folder(Path(sys.prefix))},
        "default_model": _default_model(),
    }


def as_text(report: dict[str, Any]) -> str:
    """The report as lines to read (and paste into an issue)."""
    lines = [
        f"LandSeg {report['landseg']} on Python {report['python']} ({report['executable']})",
        f"Platform: {report['platform']}",
        "Packages:",
    ]
    for name, version in report["packages"].items():
        extra = PACKAGES[name]
        where = f" (extra: {extra})" if extra else ""
        lines.append(f"  {name}: {version or 'not installed'}{where}")
    ort, torch_state = report["runtimes"]["onnxruntime"], report["runtimes"]["torch"]
    providers = ", ".join(ort.get("providers", []))
    lines.append("Runtimes:")
    lines.append(
        f"  ONNX Runtime: {'loads, providers ' + providers if ort['loads'] else ort['why']}"
    )
    if torch_state["loads"]:
        cuda = torch_state["cuda_build"] or "none"
        devices = ", ".join(torch_state["cuda_devices"]) or "none"
        lines.append(f"  PyTorch: loads, CUDA build {cuda}, CUDA devices {devices}")
    else:
        lines.append(f"  PyTorch: {torch_state['why']}")
    driver = ", ".join(report["gpus"]["driver"]) or "none"
    lines += [
        f"Segments on the CPU with: {cpu_runtime(ort, torch_state)}",
        f"GPUs the driver lists: {driver}",
        report["gpus"]["gpu"],
        "Folders:",
    ]
    for role, folder in report["folders"].items():
        state = "writable" if folder["writable"] else "NOT writable"
        size = f"{folder['size_mb']:.1f} MB" if folder["exists"] else "not created yet"
        lines.append(f"  {role}: {folder['path']} ({size}, {state})")
    model = report["default_model"]
    if "sha256" in model:
        lines.append(f"Default model: {model['path']} (sha256 {model['sha256']})")
    else:
        lines.append(f"Default model: {model['problem']}")
    return "\n".join(lines)
