"""Devices: ``auto``, ``cpu``, ``cuda:N`` and lists of GPUs, resolved against what is present."""

from __future__ import annotations

import ctypes.util
import platform
import sys
import warnings
from pathlib import Path

from landseg import defaults
from landseg.errors import DeviceUnavailableError, InvalidParameterError, LandSegWarning
from landseg.extras import has_training
from landseg.messages import Message


def gpu_present() -> bool:
    """Whether a GPU may be there, found without importing torch (which takes seconds).

    True when an NVIDIA driver is installed, or on Apple silicon; :func:`resolve_device`
    then asks torch whether it can use it.
    """
    if sys.platform == "darwin":
        return platform.machine() == "arm64"
    return Path("/dev/nvidiactl").exists() or ctypes.util.find_library("cuda") is not None


def _cpu_without_gpu_runtime(device: str) -> str:
    """``cpu`` for ``auto`` on an installation without PyTorch, said once; a GPU asked for by
    name is refused rather than quietly run on the CPU."""
    if device.strip().lower() != "auto":
        raise DeviceUnavailableError(Message("devices.no_gpu_runtime", device=device))
    warnings.warn(
        Message("devices.gpu_unused"),
        LandSegWarning,
        stacklevel=3,
    )
    return "cpu"


def resolve_device(device: str = defaults.DEVICE) -> str:
    """Turn ``auto``, ``cpu``, ``cuda`` or ``cuda:N`` into a device torch can use.

    ``auto`` picks the first CUDA GPU when torch sees one, else Apple's GPU (``mps``), else
    the CPU; without a GPU driver torch is not even imported.
    """
    requested = device.strip().lower()
    if requested == "cpu" or (requested == "auto" and not gpu_present()):
        return "cpu"
    if not has_training():  # a GPU may be there, but nothing here can drive it
        return _cpu_without_gpu_runtime(device)
    import torch

    if requested in ("auto", "mps"):
        if torch.cuda.is_available() and requested == "auto":
            return "cuda:0"
        if torch.backends.mps.is_available():
            return "mps"
        if requested == "mps":
            raise DeviceUnavailableError(Message("device.no_mps"))
        return "cpu"
    if requested == "cuda":
        index = 0
    elif requested.startswith("cuda:") and requested[5:].isdigit():
        index = int(requested[5:])
    elif requested.isdigit():
        index = int(requested)
    else:
        raise InvalidParameterError(Message("device.unknown", device=device))
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if index >= count:
        raise DeviceUnavailableError(
            Message("device.too_few", device=device, count=count)
            if count
            else Message("device.no_cuda", device=device)
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
        raise InvalidParameterError(Message("device.list_cuda_only", device=device))
    numbers = [int(index) for index in indices]
    if len(set(numbers)) != len(numbers):
        raise InvalidParameterError(Message("device.list_repeated", device=device))
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    missing = [n for n in numbers if n >= count]
    if missing:
        gpus = ", ".join(map(str, missing))
        raise DeviceUnavailableError(
            Message("device.list_missing", gpus=gpus, device=device, count=count, last=count - 1)
            if count
            else Message("device.list_no_cuda", gpus=gpus, device=device)
        )
    return [f"cuda:{n}" for n in numbers]


def describe_device(device: str) -> str:
    """Human-readable name of a resolved device, e.g. ``CUDA: NVIDIA H100`` or ``CPU``."""
    if device.startswith("cuda"):
        import torch

        return f"CUDA: {torch.cuda.get_device_name(int(device.split(':')[1]))}"
    if device == "mps":
        return "Apple GPU (mps)"
    return "CPU"
