"""The main job: raster in, styled land-cover GeoPackage out.

raster -> tiles (read ahead) -> model (batched) -> pieces -> seam merge -> map polygons -> file.
Progress and cancellation come in as arguments; nothing here knows about tqdm or QGIS.

:func:`segment_tiles` turns tiles into pieces; a local run calls it once for every tile, a
distributed run (:mod:`landseg.inference.distributed`, imported only when asked for) calls
it on Dask workers for chunks of tiles. Everything else (merge, vectorize, write) happens here,
once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np

from landseg import __version__, defaults
from landseg.checks import check_fraction, check_positive, require
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning
from landseg.inference.models import check_model_classes, load
from landseg.inference.plan import Plan, make_plan, review_items, source_uri, to_polygons
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import StreamingMerge
from landseg.inference.streaming import Review, StreamStats, stream
from landseg.inference.tiling import validate_tiling
from landseg.io.fingerprint import file_fingerprint
from landseg.io.folders import atomic_folder
from landseg.io.lock import output_lock
from landseg.io.rasters import (
    ground_pixel_size_m,
    open_raster,
    with_crs,
)
from landseg.io.streamed import PARQUET_FOLDER, StreamedLayer, check_target, output_kind
from landseg.io.vectors import AreaOfInterest

ProgressCallback = Callable[[float, str], None]
LAYER_NAME = defaults.LAYER_NAME
REVIEW_LAYER = "review"


class CancelToken(Protocol):
    """Anything with ``is_set()``, e.g. ``threading.Event``."""

    def is_set(self) -> bool: ...


@dataclass
class SegmentationResult:
    """What a run produced and how long its stages took."""

    output_path: Path
    counts: dict[str, int]
    timings_s: dict[str, float]
    device: str
    tiles_total: int
    tiles_run: int
    warnings: list[str] = field(default_factory=list)


class _Stopwatch:
    """Seconds spent in each stage of a run, and in all of them."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.stages: dict[str, float] = {}

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self.last
        self.last = now

    def timings(self) -> dict[str, float]:
        return {**self.stages, "total": self.last - self.started}


def segment(
    raster_path: str | Path | Sequence[str | Path],
    output_path: str | Path,
    *,
    model: str | Path | Segmenter | None = None,
    aoi: AreaOfInterest | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    crs: str | None = None,
    pixel_size_m: float | None = None,
    tile_size_px: int | None = None,
    overlap_px: int | None = None,
    conf: float = defaults.CONFIDENCE,
    iou: float = defaults.NMS_IOU,
    batch_size: int = defaults.BATCH_TILES,
    device: str = defaults.DEVICE,
    runtime: str = defaults.RUNTIME,
    bands: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    min_area_m2: float = defaults.MIN_AREA_M2,
    simplify_tolerance_m: float | None = None,
    square_roofs: bool = False,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    scheduler: str | Any | None = None,
    workers: int | None = None,
    chunk_tiles: int = defaults.CHUNK_TILES,
    resume: bool = False,
    checkpoint: bool | None = None,
    skip_unreadable: bool = False,
    review: bool = False,
) -> SegmentationResult:
    """Segment a georeferenced raster into land-cover polygons written to a GeoPackage.

    Args:
        raster_path: Any raster GDAL reads, with a CRS (file, VRT, COG URL, WMS/XYZ XML),
            or a list of orthophoto sheets in one CRS, segmented as one mosaic.
        output_path: The file to write: ``.gpkg`` (styled GeoPackage), ``.parquet``
            (GeoParquet), ``.fgb`` (FlatGeobuf), or a folder (partitioned GeoParquet).
        model: A ``.pt``/``.onnx`` path, a ``Segmenter``, or ``None`` for the shipped model.
        aoi: Area of interest (vector file, GeoDataFrame or geometry in the raster's CRS):
            only tiles touching it are read, and polygons are clipped to it.
        bbox: ``(min_x, min_y, max_x, max_y)`` in the raster's CRS; like ``aoi``.
        crs: The CRS of a raster that has none (e.g. ``EPSG:32654``), assigned, not warped.
        pixel_size_m: Ground pixel size to segment at; default the model's training pixel
            size when the raster's differs from it by more than 10 %.
        tile_size_px: Tile size; default from the model's metadata, else 512.
        overlap_px: Overlap between tiles; default from the model's metadata, else 64.
        conf: Minimum score of an instance.
        iou: Non-maximum-suppression IoU inside a tile.
        batch_size: Tiles per forward pass.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        runtime: ``auto`` (ONNX Runtime on a CPU, fp16 torch on a GPU), ``onnx``, ``torch`` or
            ``ultralytics`` (its own predictor, the reference).
        bands: 1-based raster bands for the model's channels (one band is repeated).
        classes: Class names the model must have, in order (checked, not changed).
        min_area_m2: Polygons smaller than this are dropped.
        simplify_tolerance_m: Simplification tolerance; default one pixel.
        square_roofs: Square off ``roof`` outlines that are nearly rectangular.
        overwrite: Replace an existing output file.
        progress: Called with (fraction done, message).
        cancel: Checked between batches; when set, the run stops and writes nothing.
        scheduler: Segment on the workers of this Dask scheduler: its address
            (``tcp://host:8786``) or a ``distributed.Client``. The output is the same as a
            local run's. Workers need LandSeg, the raster and the model file.
        workers: Segment on a local Dask cluster of this many worker processes.
        chunk_tiles: With ``scheduler`` or ``workers``: a chunk (one Dask task) is a square
            block of ``chunk_tiles`` x ``chunk_tiles`` tiles.
        resume: Continue the run that wrote this output's work file and did not finish.
        checkpoint: Keep a resumable work file when the run stops (cancel, crash, kill);
            default on for runs of more than ``defaults.CHECKPOINT_MIN_TILES`` tiles.
        skip_unreadable: Skip tiles that cannot be read (damaged blocks), listing them in the
            warnings, instead of stopping the run.
        review: Give every polygon its ``agreement``, ``class_margin`` and
            ``review_priority``, and write a ``review`` layer of the places worth a look
            (uncertain objects, tiles that disagree, class conflicts, and possible missed
            objects down to a score of ``defaults.REVIEW_FLOOR``); GeoPackage output only.
    """
    job = SimpleNamespace(**locals())  # every option of this run, by its parameter name
    job.output_path = Path(output_path)
    job.on_cluster = scheduler is not None or workers is not None
    job.report = progress or (lambda fraction, message: None)
    job.is_cancelled = cancel.is_set if cancel is not None else (lambda: False)
    _check_job(job)
    with output_lock(job.output_path):  # a second run on this output is refused meanwhile
        return _segment(job)


def _segment(job: SimpleNamespace) -> SegmentationResult:
    """The checked run ``job``, from loading the model to the output in place."""
    stopwatch = _Stopwatch()
    segmenter = _segmenter(job)
    stopwatch.lap("model_load")
    plan = _prepare_plan(job, segmenter)
    if job.on_cluster and output_kind(job.output_path) == "folder":
        stats, device_used, counts = _cluster_into_parts(plan, job, segmenter)
        stopwatch.lap("inference")
    else:
        stats, device_used, counts = _written_streamed(job, segmenter, plan, stopwatch)
    stopwatch.lap("write")
    job.report(1.0, f"Wrote {sum(counts.values())} polygons to {job.output_path}")
    return SegmentationResult(
        output_path=job.output_path,
        counts=counts,
        timings_s=_timings(stopwatch, stats),
        device=device_used,
        tiles_total=len(plan.specs),
        tiles_run=stats.tiles_run,
        warnings=plan.messages,
    )


def _written_streamed(job: SimpleNamespace, segmenter: Segmenter, plan: Plan, stopwatch):
    """Run into the work file (with checkpoints when resumable), then put the output in place;
    the stats, the device that ran the model, and the polygons per class."""
    resumable = job.resume or (
        len(plan.specs) > defaults.CHECKPOINT_MIN_TILES
        if job.checkpoint is None
        else job.checkpoint
    )
    layer = StreamedLayer(
        job.output_path,
        layer=LAYER_NAME,
        checkpoints=resumable,
        review_layer=REVIEW_LAYER if job.review else None,
    )
    state = layer.start(
        job.polygons([]),
        *_run_identity(job, segmenter, plan),
        resume=job.resume,
        empty_review=job.review_items([]) if job.review else None,
    )
    try:
        stats, device_used = _run(job, segmenter, plan, layer, state)
        stopwatch.lap("inference")
        counts = layer.counts(segmenter.class_names)
        _notices(plan, stats, state.skipped_tiles, job.raster_path)
        layer.finish(
            class_names=segmenter.class_names, overwrite=job.overwrite, inputs=_inputs(job)
        )
    except BaseException as error:
        _stopped(layer, resumable, error)
        raise
    return stats, device_used, counts


def _cluster_into_parts(plan: Plan, job: SimpleNamespace, segmenter: Segmenter):
    """A Dask run into a partitioned GeoParquet folder: each worker writes its chunks' polygons
    there itself, only border pieces reach this process, and the folder takes its place whole
    when complete."""
    from landseg.inference.distributed import write_part

    counts = dict.fromkeys(segmenter.class_names, 0)
    folder = {"overwrite": job.overwrite, "kind": PARQUET_FOLDER, "inputs": _inputs(job)}
    with atomic_folder(job.output_path, **folder) as staging:
        run = _infer_on_cluster(
            plan,
            job.model,
            segmenter,
            **_cluster_options(job),
            on_chunk=lambda result: None,
            parts=(staging, job.polygons),
        )
        frame = job.polygons(StreamingMerge(plan.specs).add(run.border, np.inf))
        write_part(frame, staging, "border")
        counts |= _part_counts(staging)
    stats = StreamStats(run.tiles_run, run.forward_s, 0.0, 0.0)
    _notices(plan, stats, run.skipped, job.raster_path)
    return stats, run.device, counts


def _part_counts(folder: Path) -> dict[str, int]:
    """Polygons per class in a folder of GeoParquet parts."""
    import pyarrow.compute
    import pyarrow.parquet

    counts: dict[str, int] = {}
    for part in folder.glob("part-*.parquet"):
        classes = pyarrow.parquet.read_table(part, columns=["class"])["class"]
        for entry in pyarrow.compute.value_counts(classes).to_pylist():
            counts[entry["values"]] = counts.get(entry["values"], 0) + entry["counts"]
    return counts


def _check_job(job: SimpleNamespace) -> None:
    """Every option, before the model loads or any file is touched."""
    _check_options(
        job.output_path,
        job.conf,
        job.iou,
        job.batch_size,
        job.min_area_m2,
        job.simplify_tolerance_m,
    )
    if job.tile_size_px is not None:  # the model's metadata gives the defaults
        validate_tiling(job.tile_size_px, job.overlap_px or 0)
    check_target(job.output_path.absolute(), overwrite=job.overwrite, inputs=_inputs(job))
    if job.on_cluster:
        _check_cluster_options(job.scheduler, job.workers, job.chunk_tiles, job.resume)
    require(
        not job.review or (output_kind(job.output_path) == ".gpkg" and not job.on_cluster),
        "--review writes a review layer beside the polygons: give a .gpkg output, and run on "
        "one machine (without --scheduler/--workers).",
    )


def _prepare_plan(job: SimpleNamespace, segmenter: Segmenter) -> Plan:
    """The run's plan, and ``job.polygons``: merged instances to this run's polygons."""
    uri = with_crs(source_uri(job.raster_path), job.crs)
    with open_raster(uri) as src:
        native_pixel_m = ground_pixel_size_m(src)
    plan = make_plan(
        uri,
        native_pixel_m,
        getattr(segmenter, "info", None),
        aoi=job.aoi,
        bbox=job.bbox,
        pixel_size_m=job.pixel_size_m,
        tile_size_px=job.tile_size_px,
        overlap_px=job.overlap_px,
        bands=job.bands,
    )
    job.polygons = functools.partial(
        to_polygons,
        plan=plan,
        names=segmenter.class_names,
        min_area_m2=job.min_area_m2,
        simplify_tolerance_m=job.simplify_tolerance_m,
        square_roofs=job.square_roofs,
        review=job.review,
    )
    job.review_items = functools.partial(review_items, plan=plan, names=segmenter.class_names)
    return plan


def _inputs(job: SimpleNamespace) -> list[Path]:
    """The files the run reads: rasters, the area of interest and the model, when files."""
    rasters = [job.raster_path] if isinstance(job.raster_path, str | Path) else job.raster_path
    named = [*rasters, job.aoi, job.model]
    return [Path(item) for item in named if isinstance(item, str | Path)]


def _run_identity(job: SimpleNamespace, segmenter: Segmenter, plan: Plan):
    """The output's metadata, and what a resumed run must match: the content of every input,
    and every option that changes the output."""
    device = str(getattr(segmenter, "device", "n/a"))
    metadata = _run_metadata(segmenter, job.raster_path, plan, job.conf, device)
    region = plan.region.wkb if plan.region is not None else b""
    identity = {
        "metadata": {k: v for k, v in metadata.items() if k != "run_time_utc"},
        "inputs": [file_fingerprint(path) for path in _inputs(job)],
        "options": {
            "min_area_m2": job.min_area_m2,
            "simplify_tolerance_m": job.simplify_tolerance_m,
            "square_roofs": job.square_roofs,
            "iou": job.iou,
            "review": job.review,
            "crs": job.crs,
            "bands": list(job.bands) if job.bands is not None else None,
            "area_of_interest": hashlib.sha256(region).hexdigest(),
        },
    }
    return metadata, identity


def _run(job: SimpleNamespace, segmenter: Segmenter, plan: Plan, layer, state):
    """Segment locally (streamed) or on Dask; the stats and the device that ran the model."""
    if job.on_cluster:
        return _on_cluster(plan, job, segmenter, layer, state)
    device = str(getattr(segmenter, "device", "n/a"))
    job.report(0.0, f"Segmenting {len(plan.specs)} tiles on {device}")
    stats = stream(
        plan,
        segmenter,
        layer,
        state,
        polygons=job.polygons,
        batch_size=job.batch_size,
        report=job.report,
        should_stop=job.is_cancelled,
        skip_unreadable=job.skip_unreadable,
        review=Review(plan.specs, job.conf, job.review_items) if job.review else None,
    )
    if job.is_cancelled():
        raise Cancelled("Segmentation was cancelled; no output was written.")
    return stats, device


def _timings(stopwatch: _Stopwatch, stats: StreamStats) -> dict[str, float]:
    """Seconds per stage; merging and writing happen while the model runs, counted apart."""
    timings = stopwatch.timings()
    timings["stitch_and_vectorize"] = stats.merge_s
    timings["write"] += stats.write_s
    timings["inference"] -= stats.merge_s + stats.write_s
    if stats.forward_s is not None:
        timings["model_forward"] = stats.forward_s
    return timings


def _on_cluster(plan: Plan, job: SimpleNamespace, segmenter: Segmenter, layer, state):
    """Segment on Dask: each chunk's instances, merged on its worker, are written as chunks
    complete; the pieces on chunks' borders are merged here at the end."""
    merge_s = write_s = 0.0

    def write(result) -> None:
        nonlocal write_s
        started = time.perf_counter()
        state.tiles_done += result.tiles
        layer.append(job.polygons(result.instances.instances()), state)
        write_s += time.perf_counter() - started

    run = _infer_on_cluster(plan, job.model, segmenter, **_cluster_options(job), on_chunk=write)
    started = time.perf_counter()
    frame = job.polygons(StreamingMerge(plan.specs).add(run.border, np.inf))
    merge_s = time.perf_counter() - started
    state.tiles_run = run.tiles_run
    state.skipped_tiles = run.skipped
    layer.append(frame, state)
    write_s += time.perf_counter() - started - merge_s
    return StreamStats(run.tiles_run, run.forward_s, merge_s, write_s), run.device


def _cluster_options(job: SimpleNamespace) -> dict[str, Any]:
    """What a Dask run needs of the job's options."""
    return {
        "device": job.device,
        "conf": job.conf,
        "iou": job.iou,
        "batch_size": job.batch_size,
        "runtime": job.runtime,
        "scheduler": job.scheduler,
        "workers": job.workers,
        "chunk_tiles": job.chunk_tiles,
        "progress": job.report,
        "should_stop": job.is_cancelled,
        "skip_unreadable": job.skip_unreadable,
    }


def _notices(plan: Plan, stats: StreamStats, skipped: list[int], raster_path) -> None:
    """Warnings the user must see: a raster without data, tiles that could not be read."""
    notices = []
    if stats.tiles_run == 0 and not skipped:
        notices.append(
            f"Raster '{raster_path}' holds no data (every pixel is nodata): wrote an empty layer."
        )
    if skipped:
        windows = [plan.specs[i].window for i in skipped[:10]]
        where = "; ".join(f"rows {int(w.row_off)}, columns {int(w.col_off)}" for w in windows)
        more = " ..." if len(skipped) > 10 else ""
        notices.append(
            f"{len(skipped)} tile(s) could not be read and were skipped (at "
            f"{where}{more}): their area has no polygons."
        )
    for notice in notices:
        plan.messages.append(notice)
        warnings.warn(notice, LandSegWarning, stacklevel=4)


def _stopped(layer: StreamedLayer, resumable: bool, error: BaseException) -> None:
    """A run that stops keeps its work file only when it may be resumed."""
    if resumable and not isinstance(error, InvalidParameterError):
        error.args = (
            f"{error.args[0] if error.args else error} The run can continue where it stopped: "
            "run the same command again with --resume.",
        )
        return
    layer.discard()


def _check_options(output_path: Path, conf, iou, batch_size, min_area_m2, simplify_m) -> None:
    output_kind(output_path)
    check_fraction(conf, "Confidence", example=defaults.CONFIDENCE)
    check_fraction(iou, "IoU", example=defaults.NMS_IOU)
    require(batch_size >= 1, f"Batch {batch_size} must be at least 1 tile: use e.g. 8.")
    check_positive(min_area_m2, "Minimum area (m²)", example=defaults.MIN_AREA_M2, zero_ok=True)
    if simplify_m is not None:
        check_positive(simplify_m, "Simplification tolerance (m)", example=0.5, zero_ok=True)


def _infer_on_cluster(
    plan: Plan, model, segmenter: Segmenter, *, progress, should_stop, on_chunk, **options: Any
):
    """Run the model over the plan's tiles on Dask workers (imported only for such a run)."""
    from landseg.inference.distributed import segment_on_cluster

    return segment_on_cluster(
        plan.source,
        plan.specs,
        plan.bands,
        plan.scaling,
        model=model,
        segmenter=segmenter,
        within=plan.within,
        overlap_px=plan.overlap_px,
        on_chunk=on_chunk,
        progress=progress,
        should_stop=should_stop,
        **options,
    )


def _check_cluster_options(scheduler, workers: int | None, chunk_tiles: int, resume: bool) -> None:
    if resume:
        raise InvalidParameterError(
            "A run on Dask cannot be resumed (--resume): run it again from the start, or "
            "without --scheduler/--workers to get a resumable run."
        )
    if scheduler is not None and workers is not None:
        raise InvalidParameterError(
            "Both a Dask scheduler and a number of local workers were given: give --scheduler "
            "to use a running cluster, or --workers to start a local one, not both."
        )
    if workers is not None and workers < 1:
        raise InvalidParameterError(f"Workers {workers} must be at least 1.")
    if chunk_tiles < 1:
        raise InvalidParameterError(
            f"Chunk size {chunk_tiles} tiles must be at least 1: try 8 (chunks of 8 x 8 tiles)."
        )


def _segmenter(job: SimpleNamespace) -> Segmenter:
    """The run's model. On a cluster the workers run it (``device`` resolves there); this
    process only needs its metadata, so it loads a file on the CPU."""
    model, classes = job.model, job.classes
    if model is None or isinstance(model, str | Path):
        return load(
            model,
            device="cpu" if job.on_cluster else job.device,
            conf=min(job.conf, defaults.REVIEW_FLOOR) if job.review else job.conf,
            iou=job.iou,
            batch_size=job.batch_size,
            expected_classes=classes,
            runtime=job.runtime,
        )
    if classes is not None:
        check_model_classes("The model", model.class_names, classes)
    return model


def _run_metadata(segmenter, raster_path, plan: Plan, conf: float, device: str) -> dict:
    """What the output's metadata says of the run."""
    info = getattr(segmenter, "info", None)
    resampled = plan.source.scale != 1.0
    return {
        "landseg_version": __version__,
        "run_time_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_raster": ";".join(
            [str(raster_path)] if isinstance(raster_path, str | Path) else map(str, raster_path)
        ),
        "model_name": info.name if info else type(segmenter).__name__,
        "model_sha256": info.sha256 if info else "",
        "class_names": ",".join(segmenter.class_names),
        "tile_size_px": str(plan.tile_size_px),
        "overlap_px": str(plan.overlap_px),
        "confidence_threshold": str(conf),
        "device": device,
        "runtime": getattr(segmenter, "runtime", ""),
        "pixel_size_m": f"{plan.native_pixel_m * plan.source.scale:.4g}",
        "resampled_from_m": f"{plan.native_pixel_m:.4g}" if resampled else "",
        "area_of_interest": plan.region.wkt[:2000] if plan.region is not None else "",
    }
