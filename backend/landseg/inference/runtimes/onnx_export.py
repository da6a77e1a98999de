"""Exporting a ``.pt`` model to ONNX, its LandSeg metadata carried along."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from landseg.errors import InvalidParameterError, ModelLoadError
from landseg.extras import require_training
from landseg.inference.runtimes.model_files import write_model_info
from landseg.inference.runtimes.ultralytics_runtime import library_cause, read_model
from landseg.messages import Message


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
    require_training("landseg export-model")
    if model_path.suffix.lower() != ".pt":
        raise InvalidParameterError(Message("export.not_pt", path=model_path))
    if output_path.suffix.lower() != ".onnx":
        raise InvalidParameterError(
            Message("export.suffix", path=output_path, stem=model_path.stem)
        )
    if not model_path.is_file():
        raise ModelLoadError(Message("model.missing_plain", path=model_path))
    check_output(output_path, overwrite=overwrite)
    with (
        tempfile.TemporaryDirectory(prefix=".landseg-export-", dir=output_path.parent) as folder,
        atomic_output(output_path, overwrite=overwrite) as temporary,
    ):
        copy = Path(folder) / "model.pt"
        shutil.copyfile(model_path, copy)
        try:
            yolo, info = read_model(copy)  # the same bytes as the model: the same metadata
        except ModelLoadError as error:  # named as the user's file, not the working copy
            raise ModelLoadError(str(error).replace(str(copy), str(model_path))) from None
        info = dataclasses.replace(info, name=model_path.name)
        with quiet_ultralytics(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on its exporter, not the user's
            try:
                exported = yolo.export(
                    format="onnx",
                    imgsz=info.input_size_px or info.tile_size_px,
                    dynamic=True,
                    simplify=True,
                    device="cpu",
                    verbose=False,
                )
            except Exception as error:
                cause = library_cause(error).replace(str(copy), str(model_path))
                raise ModelLoadError(
                    Message(
                        "model.export_failed",
                        path=model_path,
                        error_type=type(error).__name__,
                        cause=cause,
                    )
                ) from None
        os.replace(exported, temporary)
        write_model_info(temporary, info)
    return output_path
