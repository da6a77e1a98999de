"""``landseg model-info`` and ``landseg export-model``: inspect and convert models."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from landseg.cli.options import device_option, output_option, overwrite_option, path
from landseg.messages import Message, said


@click.command("model-info")
@click.argument("model", type=path(), required=False)
@device_option()
def model_info(model: Path | None, device: str) -> None:
    """Print MODEL's metadata (default: the shipped model) and its device as JSON."""
    from landseg.inference.runtimes.devices import describe_device, resolve_device
    from landseg.inference.runtimes.loading import model_file, model_info

    path = model_file(model)
    resolved = resolve_device(device)
    info = model_info(path)
    click.echo(
        json.dumps(
            {
                **asdict(info),
                "path": str(path.absolute()),
                "device": resolved,
                "device_name": describe_device(resolved),
            }
        )
    )


@click.command("export-model")
@click.argument("model", type=path())
@output_option("ONNX file to write.")
@overwrite_option()
def export_model(model: Path, output: Path, overwrite: bool) -> None:
    """Export MODEL (.pt) to ONNX, which runs about twice as fast on CPU."""
    from landseg.inference.runtimes.onnx_export import export_onnx

    written = export_onnx(model, output, overwrite=overwrite)
    click.echo(said(Message("cli.wrote", path=written)))


TRIAL_SIZE_PX = 512  # the synthetic scene ``doctor --try-segment`` segments


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@click.option(
    "--try-segment",
    is_flag=True,
    help="Also segment a small synthetic scene with the shipped model, in a folder of its own "
    "removed after (the plugin's installer runs this last).",
)
def doctor(as_json: bool, try_segment: bool) -> None:
    """What this installation can run: versions, runtimes, GPUs (and why one is unused),
    folders and the shipped model's checksum. Paste it into an issue."""
    from landseg.inference.runtimes.diagnostics import as_text, diagnose

    report = diagnose()
    if try_segment:  # a failure is its error's one line, exit code 2
        report["trial"] = _trial_segmentation()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(as_text(report))
    if try_segment:
        click.echo(said(Message("doctor.trial", **report["trial"])))


def _trial_segmentation() -> dict[str, int | float]:
    """Segment a synthetic scene with the shipped model; its polygons and seconds."""
    import tempfile
    import time

    from landseg.inference.pipeline import segment
    from landseg.io.synthetic import write_scene

    with tempfile.TemporaryDirectory(prefix="landseg-doctor-") as folder:
        scene = write_scene(Path(folder) / "scene", size_px=TRIAL_SIZE_PX, seed=0)
        started = time.perf_counter()
        result = segment(scene.raster_path, Path(folder) / "trial.gpkg")
        seconds = round(time.perf_counter() - started, 2)
    return {"size": TRIAL_SIZE_PX, "polygons": sum(result.counts.values()), "seconds": seconds}
