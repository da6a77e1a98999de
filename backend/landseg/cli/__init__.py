"""The ``landseg`` command line: thin commands that parse options and call one backend function.

Progress goes to a tqdm bar on stderr, or as JSON lines on stdout with ``--progress json``
(for the QGIS plugin and other programs). SIGTERM cancels a run cleanly: nothing half-written
is left behind.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from landseg import __version__
from landseg.errors import Cancelled, LandSegError

EXIT_USAGE = 2
EXIT_CANCELLED = 130


class Progress:
    """Adapts the backend's (fraction, message) callback to tqdm or JSON lines.

    In JSON mode, stdout carries nothing but the JSON lines: everything else that would be
    printed there (libraries' logs included) is sent to stderr instead.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.bar = None
        self.json_stream = None
        if mode == "json":
            sys.stdout.flush()
            self.json_stream = os.fdopen(os.dup(1), "w", buffering=1)
            os.dup2(2, 1)

    def emit(self, event: str, **fields: Any) -> None:
        """One JSON line on the original stdout."""
        assert self.json_stream is not None
        self.json_stream.write(json.dumps({"event": event, **fields}, default=str) + "\n")

    def __call__(self, fraction: float, message: str) -> None:
        if self.mode == "json":
            self.emit("progress", fraction=round(fraction, 4), message=message)
        elif self.mode == "bar":
            if self.bar is None:  # created on first use, so errors before it print alone
                from tqdm import tqdm

                self.bar = tqdm(
                    total=1000,
                    unit="‰",
                    file=sys.stderr,
                    leave=False,
                    dynamic_ncols=True,
                    disable=None,
                )
            self.bar.set_description_str(message[:60])
            self.bar.update(int(fraction * 1000) - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.json_stream is not None:
            self.json_stream.close()


def _cancel_on_sigterm() -> threading.Event:
    event = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: event.set())
    return event


def progress_option(command: Callable) -> Callable:
    """``--progress bar|json|none`` and the plumbing that turns it into callbacks."""

    @click.option(
        "--progress",
        "progress_mode",
        type=click.Choice(["bar", "json", "none"]),
        default="bar",
        show_default=True,
        help="How to report progress.",
    )
    @functools.wraps(command)
    def wrapper(progress_mode: str, **kwargs: Any) -> Any:
        progress = Progress(progress_mode)
        try:
            result = command(progress=progress, cancel=_cancel_on_sigterm(), **kwargs)
            if progress_mode == "json" and result is not None:
                progress.emit("result", **result)
        finally:
            progress.close()
        return result

    return wrapper


def device_option(command: Callable) -> Callable:
    return click.option(
        "--device",
        default="auto",
        show_default=True,
        help="auto (CUDA when present), cpu, cuda or cuda:N.",
    )(command)


def overwrite_option(command: Callable) -> Callable:
    return click.option("--overwrite", is_flag=True, help="Replace outputs that already exist.")(
        command
    )


def _int_list(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a list of band numbers such as 1,2,3") from None


RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".jp2", ".img")


def _expand_sheets(arguments: tuple[str, ...]) -> list[str]:
    """Raster arguments with folders and glob patterns expanded, in a stable order."""
    sheets: list[str] = []
    for argument in arguments:
        if Path(argument).is_dir():
            found = sorted(
                str(p) for p in Path(argument).iterdir() if p.suffix.lower() in RASTER_SUFFIXES
            )
            if not found:
                raise click.BadParameter(f"folder '{argument}' holds no raster (.tif, .vrt, ...)")
            sheets.extend(found)
        elif any(c in argument for c in "*?[") and "://" not in argument:
            found = sorted(glob.glob(argument))
            if not found:
                raise click.BadParameter(f"no raster matches '{argument}'")
            sheets.extend(found)
        else:
            sheets.append(argument)
    return sheets


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a bounding box min_x,min_y,max_x,max_y"
        ) from None
    return x0, y0, x1, y1


def _mapping(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    pairs = [item.split("=", 1) for item in value.split(",")]
    if any(len(p) != 2 for p in pairs):
        raise click.BadParameter(f"'{value}' is not a mapping such as building=roof,field=farm")
    return {k.strip(): v.strip() for k, v in pairs}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="landseg")
def cli() -> None:
    """LandSeg: land-cover polygons from aerial rasters with instance segmentation."""


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--size",
    "size_px",
    type=int,
    default=2048,
    show_default=True,
    help="Width and height of the scene in pixels.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Layout and texture seed.")
@click.option("--crs", default="EPSG:32654", show_default=True, help="CRS of the scene.")
@click.option(
    "--pixel-size",
    "pixel_size_m",
    type=float,
    default=0.5,
    show_default=True,
    help="Ground size of a pixel in metres.",
)
@click.option(
    "--bits",
    type=click.Choice(["8", "16"]),
    default="8",
    show_default=True,
    help="Bit depth of the raster.",
)
@click.option(
    "--nodata-border",
    "nodata_border_px",
    type=int,
    default=0,
    show_default=True,
    help="Width in pixels of a nodata frame around the scene.",
)
@overwrite_option
def synth(out_dir: Path, bits: str, **options: Any) -> None:
    """Write a synthetic aerial scene (scene.tif) and its labels (labels.gpkg) to OUT_DIR."""
    from landseg.io.synthetic import write_scene

    scene = write_scene(out_dir, bits=int(bits), **options)
    counts = ", ".join(f"{name} {n}" for name, n in scene.class_counts.items())
    click.echo(f"Wrote {scene.raster_path} and {scene.labels_path} ({counts}).")


@cli.command()
@click.argument("rasters", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="GeoPackage to write (.gpkg).",
)
@click.option(
    "--aoi",
    type=click.Path(path_type=Path),
    default=None,
    help="Polygons (any vector file, any CRS): segment only there, clip to them.",
)
@click.option("--bbox", default=None, help="min_x,min_y,max_x,max_y in the raster's CRS.")
@click.option(
    "--pixel-size",
    "pixel_size_m",
    type=float,
    default=None,
    help="Ground pixel size (m) to segment at; default the model's training size.",
)
@click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Model file (.pt or .onnx); default: the shipped model.",
)
@click.option(
    "--tile-size",
    "tile_size_px",
    type=int,
    default=None,
    help="Tile size in pixels; default from the model.",
)
@click.option(
    "--overlap",
    "overlap_px",
    type=int,
    default=None,
    help="Tile overlap in pixels; default from the model.",
)
@click.option("--conf", type=float, default=0.25, show_default=True, help="Minimum score.")
@click.option(
    "--iou",
    type=float,
    default=0.5,
    show_default=True,
    help="Non-maximum-suppression IoU inside a tile.",
)
@click.option(
    "--batch", "batch_size", type=int, default=8, show_default=True, help="Tiles per forward pass."
)
@device_option
@click.option("--bands", default=None, help="Raster bands for the model, e.g. 1,2,3 or 1.")
@click.option(
    "--classes",
    default=None,
    help="Class names the model must know, in order, e.g. roof,farm (checked).",
)
@click.option(
    "--min-area-m2",
    "min_area_m2",
    type=float,
    default=1.0,
    show_default=True,
    help="Drop polygons smaller than this.",
)
@click.option(
    "--simplify-m",
    "simplify_tolerance_m",
    type=float,
    default=None,
    help="Simplification tolerance in metres; default one pixel.",
)
@click.option("--square-roofs", is_flag=True, help="Square off nearly rectangular roofs.")
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (e.g. tcp://host:8786): segment on its workers.",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Segment on a local Dask cluster of this many worker processes.",
)
@click.option(
    "--chunk-tiles",
    type=int,
    default=8,
    show_default=True,
    help="With --scheduler or --workers: one Dask task segments a block of N x N tiles.",
)
@overwrite_option
@progress_option
def segment(
    rasters: tuple[str, ...],
    output: Path,
    bands: str | None,
    classes: str | None,
    bbox: str | None,
    **options: Any,
):
    """Segment RASTERS into land-cover polygons written to a styled GeoPackage.

    RASTERS is one raster (file, VRT, URL, GDAL WMS/XYZ XML) or several orthophoto sheets
    (files, folders or glob patterns) in one CRS, segmented as one mosaic.
    """
    from landseg.inference.pipeline import LAYER_NAME
    from landseg.inference.pipeline import segment as run_segment

    result = run_segment(
        _expand_sheets(rasters),
        output,
        bbox=_bbox(bbox),
        bands=_int_list(bands),
        classes=classes.split(",") if classes else None,
        **options,
    )
    counts = ", ".join(f"{name} {n}" for name, n in result.counts.items())
    click.echo(
        f"Wrote {sum(result.counts.values())} polygons ({counts}) to {result.output_path} "
        f"in {result.timings_s['total']:.1f} s on {result.device}.",
        err=options["progress"].mode == "json",
    )
    return {
        "output": str(result.output_path),
        "layer": LAYER_NAME,
        "counts": result.counts,
        "timings_s": result.timings_s,
        "device": result.device,
        "warnings": result.warnings,
    }


@cli.command("export-dataset")
@click.argument("rasters", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--labels",
    type=click.Path(path_type=Path),
    required=True,
    help="Polygon layer (GeoPackage, Shapefile, GeoJSON) with the classes.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Dataset folder to create.",
)
@click.option(
    "--class-field", default="class", show_default=True, help="Label attribute holding the class."
)
@click.option(
    "--class-value",
    default=None,
    help="One class for every feature (for layers without a class field).",
)
@click.option("--class-map", default=None, help="Rename label values, e.g. building=roof.")
@click.option(
    "--classes", default=None, help="Model classes in order, e.g. roof,farm,rice-fields,Baren-Land."
)
@click.option(
    "--aoi",
    type=click.Path(path_type=Path),
    default=None,
    help="Polygons limiting where tiles are cut.",
)
@click.option("--tile-size", "tile_size_px", type=int, default=512, show_default=True)
@click.option("--overlap", "overlap_px", type=int, default=64, show_default=True)
@click.option("--bands", default=None, help="Raster bands for the model, e.g. 1,2,3 or 1.")
@click.option(
    "--min-fragment",
    type=float,
    default=0.2,
    show_default=True,
    help="Drop polygon fragments (cut by a tile edge) below this share of the polygon.",
)
@click.option(
    "--empty-ratio",
    type=float,
    default=0.1,
    show_default=True,
    help="Tiles without labels kept, as a share of labelled tiles.",
)
@click.option(
    "--val-fraction",
    type=float,
    default=0.2,
    show_default=True,
    help="Share of spatial blocks used for validation.",
)
@click.option(
    "--block-size",
    "block_size_px",
    type=int,
    default=None,
    help="Side of a split block in pixels; default four tile steps.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@overwrite_option
@progress_option
def export_dataset_command(rasters, labels, output, class_map, classes, bands, **options):
    """Export a YOLO-seg dataset from RASTERS and labelled polygons."""
    from dataclasses import asdict

    from landseg.training.dataset import export_dataset

    stats = export_dataset(
        rasters,
        labels,
        output,
        class_map=_mapping(class_map),
        class_names=classes.split(",") if classes else None,
        bands=_int_list(bands),
        **options,
    )
    shares = ", ".join(
        f"{n} {stats.instances[n]} (weight {stats.class_weights[n]:.2f})" for n in stats.class_names
    )
    click.echo(
        f"Wrote {stats.tiles['train']} train and {stats.tiles['val']} validation tiles to "
        f"{output}: {shares}.",
        err=options["progress"].mode == "json",
    )
    return {"output": str(output), **asdict(stats)}


@cli.command("train")
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Dataset folder from export-dataset (or its data.yaml).",
)
@click.option(
    "-o",
    "--output",
    "run_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder to create.",
)
@click.option(
    "--model",
    "base_model",
    default="yolov8n-seg.yaml",
    show_default=True,
    help="Base model: a .pt file to fine-tune, or a .yaml to start from scratch.",
)
@click.option("--epochs", type=int, default=50, show_default=True)
@click.option("--imgsz", type=int, default=None, help="Image size; default the tile size.")
@click.option("--batch", type=int, default=8, show_default=True)
@device_option
@click.option(
    "--lr", "lr0", type=float, default=1e-3, show_default=True, help="Initial learning rate."
)
@click.option(
    "--lrf",
    type=float,
    default=0.1,
    show_default=True,
    help="Final learning rate as a fraction of the initial one.",
)
@click.option(
    "--class-weights",
    default="balanced",
    show_default=True,
    help="balanced, none, or one weight per class (e.g. 0.5,1.2,1.6,2).",
)
@click.option("--copy-paste", type=float, default=0.3, show_default=True)
@click.option(
    "--copy-paste-mode", type=click.Choice(["flip", "mixup"]), default="flip", show_default=True
)
@click.option(
    "--augment",
    type=float,
    default=1.0,
    show_default=True,
    help="Augmentation strength (0 = none).",
)
@click.option("--patience", type=int, default=50, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option(
    "--continue-epochs",
    type=int,
    default=0,
    show_default=True,
    help="Epochs of a continued phase from the best weights at a lower learning rate.",
)
@click.option("--continue-lr", type=float, default=5e-5, show_default=True)
@click.option(
    "--resume",
    "resume_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Resume the interrupted run in this folder.",
)
@overwrite_option
@progress_option
def train_command(data, run_dir, resume_dir, class_weights, overwrite, progress, cancel, **options):
    """Fine-tune a YOLO-seg model on a dataset (with an optional continued phase)."""
    from landseg.training.train import TrainOptions, resume, train

    if resume_dir is not None:
        best = resume(resume_dir, progress=progress, cancel=cancel)
    else:
        if data is None or run_dir is None:
            raise click.UsageError("give --data and -o/--output (or --resume RUN_DIR)")
        best = train(
            TrainOptions(
                data=str(data), run_dir=str(run_dir), class_weights=class_weights, **options
            ),
            overwrite=overwrite,
            progress=progress,
            cancel=cancel,
        )
    click.echo(f"Trained model: {best}", err=progress.mode == "json")
    return {"model": str(best), "run_dir": str(best.parent)}


@cli.command("evaluate")
@click.option(
    "--model", type=click.Path(path_type=Path), default=None, help="Model to validate on --data."
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="YOLO-seg dataset folder (dataset level).",
)
@click.option("--split", default="val", show_default=True, help="Dataset split to validate on.")
@click.option(
    "--predictions",
    type=click.Path(path_type=Path),
    default=None,
    help="Predicted polygons, e.g. from landseg segment (map level).",
)
@click.option(
    "--labels", type=click.Path(path_type=Path), default=None, help="Labelled polygons (map level)."
)
@click.option(
    "--class-field",
    default="class",
    show_default=True,
    help="Label attribute holding the class (map level).",
)
@click.option(
    "--aoi",
    type=click.Path(path_type=Path),
    default=None,
    help="Polygons limiting the evaluated area (map level).",
)
@click.option(
    "--conf",
    type=float,
    default=0.25,
    show_default=True,
    help="Score threshold for precision, recall and F1 (map level).",
)
@device_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the figures as JSON.",
)
@overwrite_option
def evaluate_command(
    model, data, split, predictions, labels, class_field, aoi, conf, device, json_path, overwrite
):
    """Per-class metrics: of a model on a dataset, or of predicted polygons against labels."""
    if (model or data) and (predictions or labels):
        raise click.UsageError("give either --model/--data or --predictions/--labels, not both")
    if predictions or labels:
        if not (predictions and labels):
            raise click.UsageError("map-level evaluation needs both --predictions and --labels")
        from landseg.evaluation import maps as map_metrics

        metrics = map_metrics.evaluate_map(
            predictions, labels, class_field=class_field, aoi=aoi, conf=conf
        )
        click.echo(map_metrics.format_table(metrics))
        if json_path:
            map_metrics.write_json(metrics, json_path, overwrite=overwrite)
        return
    if not data:
        raise click.UsageError("give --data (with --model) or --predictions and --labels")
    from landseg.evaluation.tiles import evaluate_dataset, format_table
    from landseg.io.atomic import atomic_output

    result = evaluate_dataset(model, data, split=split, device=device)
    click.echo(format_table(result))
    if json_path:
        with atomic_output(json_path, overwrite=overwrite) as temporary:
            temporary.write_text(json.dumps(result, indent=2))


@cli.command("model-info")
@click.argument("model", type=click.Path(path_type=Path), required=False)
@device_option
def model_info(model: Path | None, device: str) -> None:
    """Print MODEL's metadata (default: the shipped model) and its device as JSON."""
    from dataclasses import asdict

    from landseg.inference.models import DEFAULT_MODEL_PATH, describe_device, load

    segmenter = load(model, device=device)
    click.echo(
        json.dumps(
            {
                **asdict(segmenter.info),
                "path": str((model or DEFAULT_MODEL_PATH).absolute()),
                "device": segmenter.device,
                "device_name": describe_device(segmenter.device),
            }
        )
    )


@cli.command("export-model")
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="ONNX file to write.",
)
@overwrite_option
def export_model(model: Path, output: Path, overwrite: bool) -> None:
    """Export MODEL (.pt) to ONNX, which runs about twice as fast on CPU."""
    from landseg.inference.models import export_onnx

    click.echo(f"Wrote {export_onnx(model, output, overwrite=overwrite)}")


@cli.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML report to write (self-contained: plots embedded, no network resources).",
)
@click.option(
    "--lang",
    "languages",
    default="en,ja",
    show_default=True,
    help="Report languages in display order: en, ja or en,ja.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write Markdown; its figures go to <name>_figures/ beside it.",
)
@click.option(
    "--milestone",
    "milestones",
    multiple=True,
    help="Milestone METRIC=VALUE[,VALUE...], e.g. map50=80,85,90 or map50-95=0.8 "
    "(repeatable; replaces the defaults).",
)
@click.option(
    "--no-analysis", is_flag=True, help="Leave out the feature-map and gradient analysis."
)
@click.option(
    "--max-images",
    type=int,
    default=8,
    show_default=True,
    help="Validation images for the feature-map and gradient analysis.",
)
@device_option
@overwrite_option
@progress_option
def report_command(
    run_dir,
    output,
    languages,
    markdown_path,
    milestones,
    no_analysis,
    max_images,
    device,
    overwrite,
    progress,
    cancel,
):
    """Bilingual (English / 日本語) HTML report of a training run in RUN_DIR."""
    from landseg.reporting.report import build_report, parse_milestones

    thresholds = {"milestones": parse_milestones(milestones)} if milestones else None
    path = build_report(
        run_dir,
        output,
        languages=languages,
        markdown_path=markdown_path,
        overwrite=overwrite,
        thresholds=thresholds,
        analysis=not no_analysis,
        device=device,
        max_images=max_images,
        progress=progress,
    )
    click.echo(f"Wrote {path}", err=progress.mode == "json")
    return {"report": str(path), "markdown": str(markdown_path) if markdown_path else None}


@cli.command("analyze")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    required=True,
    help="YOLO-seg dataset folder (or its data.yaml) whose images are analysed.",
)
@click.option("--split", default="val", show_default=True, help="Dataset split to read.")
@click.option("--max-images", type=int, default=8, show_default=True, help="Images to use.")
@click.option(
    "--batch", "batch_size", type=int, default=8, show_default=True, help="Images per pass."
)
@click.option("--lang", "language", default="en", show_default=True, help="en or ja.")
@device_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the figures as JSON.",
)
@overwrite_option
def analyze_command(
    model, data, split, max_images, batch_size, language, device, json_path, overwrite
):
    """Feature-map statistics and gradient flow of MODEL (.pt) on a dataset's images."""
    from landseg.io.atomic import atomic_output
    from landseg.reporting.analysis import analyze_model, format_analysis
    from landseg.reporting.texts import check_languages

    check_languages([language])  # fail before the model loads
    result = analyze_model(
        model, data, max_images=max_images, batch_size=batch_size, split=split, device=device
    )
    click.echo(format_analysis(result, language=language))
    if json_path:
        with atomic_output(json_path, overwrite=overwrite) as temporary:
            temporary.write_text(json.dumps(result, indent=2))


@cli.command("compare")
@click.argument("run_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang",
    "languages",
    default="en,ja",
    show_default=True,
    help="Languages in display order: en, ja or en,ja.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to a file instead of printing: .html gives HTML, any other name Markdown.",
)
@overwrite_option
def compare_command(run_a, run_b, languages, output, overwrite):
    """Per-class deltas of the final metrics, RUN_B minus RUN_A: did the fine-tune help?"""
    from landseg.io.atomic import atomic_output
    from landseg.reporting.report import compare_runs

    html = output is not None and output.suffix.lower() in (".html", ".htm")
    result = compare_runs(
        run_a, run_b, languages=languages, output_format="html" if html else "markdown"
    )
    if output is None:
        click.echo(result)
        return
    with atomic_output(output, overwrite=overwrite) as temporary:
        temporary.write_text(result, encoding="utf-8")
    click.echo(f"Wrote {output}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error is one line on stderr with exit code 2."""
    try:
        cli.main(args=argv, prog_name="landseg", standalone_mode=False)
    except Cancelled as error:
        click.echo(f"landseg: cancelled: {error}", err=True)
        sys.exit(EXIT_CANCELLED)
    except (LandSegError, click.ClickException) as error:
        message = error.format_message() if isinstance(error, click.ClickException) else error
        click.echo(f"landseg: error: {message}", err=True)
        sys.exit(EXIT_USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("landseg: cancelled", err=True)
        sys.exit(EXIT_CANCELLED)
