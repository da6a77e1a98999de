"""``landseg doctor``: what this installation runs on, and why a GPU present is unused."""

from __future__ import annotations

import json

import pytest

from landseg.cli import main
from landseg.inference.runtimes import diagnostics as doctor

H100 = ["GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0000)"]


def test_the_report_names_the_cpu_runtime_and_the_missing_gpu(capsys):
    main(["doctor"])
    text = capsys.readouterr().out
    assert "Segments on the CPU with: ONNX Runtime" in text
    assert "No NVIDIA GPU is present" in text
    assert "Default model:" in text and "sha256 " in text
    main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["runtimes"]["onnxruntime"]["loads"]
    assert report["folders"]["cache"]["writable"]
    assert report["packages"]["rasterio"]


def test_a_gpu_the_driver_lists_but_no_runtime_reaches_is_explained(monkeypatch, capsys):
    """A stand-in for the driver's answer: the report says why the GPU is unused."""
    monkeypatch.setattr(doctor, "driver_gpus", lambda: H100)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    main(["doctor"])
    text = capsys.readouterr().out
    assert "GPUs the driver lists: GPU 0: NVIDIA H100" in text
    assert "NVIDIA H100 80GB HBM3 (UUID: GPU-0000) is unused" in text


@pytest.mark.parametrize(
    ("torch_state", "hidden", "expected"),
    [
        ({"loads": False}, None, "no GPU runtime. Install the training extra"),
        ({"loads": True, "cuda_build": None, "cuda_devices": []}, None, "built without CUDA"),
        ({"loads": True, "cuda_build": "13.0", "cuda_devices": []}, None, "update the NVIDIA"),
        ({"loads": True, "cuda_build": "13.0", "cuda_devices": []}, "", "hides it"),
        ({"loads": True, "cuda_build": "13.0", "cuda_devices": ["NVIDIA H100"]}, None, "GPU used"),
    ],
)
def test_each_reason_a_gpu_goes_unused(monkeypatch, torch_state, hidden, expected):
    if hidden is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", hidden)
    note = doctor.gpu_note(
        H100, torch_state, {"loads": True, "providers": ["CPUExecutionProvider"]}
    )
    assert expected in note
