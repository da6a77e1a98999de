"""The main job: raster in, styled land-cover GeoPackage out, as one :class:`SegmentRun`.

A run's steps, in :meth:`SegmentRun.execute`: load the model -> plan the tiles (the raster,
its area, bands, scaling and resampling) -> predict, merge seams and make polygons as tiles come
(:func:`landseg.inference.local_run.stream`, locally; :mod:`landseg.inference.distributed` on
Dask workers, which merge inside their chunks) -> merge the pieces on chunks' borders
(:meth:`SegmentRun.border_polygons`, Dask only) -> write into the work file -> put the output in
place. Progress and cancellation come in as arguments; nothing here knows about tqdm or QGIS.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from landseg import __version__, defaults
from landseg.checks import require
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning
from landseg.geodesy import map_crs
from landseg.inference.confidence import Calibration, signal_columns
from landseg.inference.local_run import Review, StreamStats, stream
from landseg.inference.options import SegmentOptions, check_options
from landseg.inference.plan import Plan, make_plan, source_uri
from landseg.inference.polygons import review_items, to_polygons
from landseg.inference.runtimes.loading import check_model_classes, load
from landseg.inference.segmenter import Segmenter, as_segmenter
from landseg.inference.stitch import MergedInstance, Piece, StreamingMerge
from landseg.io.features import Features
from landseg.io.fingerprint import file_fingerprint
from landseg.io.folders import atomic_folder
from landseg.io.lock import output_lock
from landseg.io.pixel_space import PixelSpace, pixel_space
from landseg.io.rasters import with_crs
from landseg.io.work_file import (
    PARQUET_FOLDER,
    Checkpoint,
    WorkFile,
    check_target,
    output_kind,
)
from landseg.messages import Listed, Message
from landseg.schema import options_help

ProgressCallback = Callable[[float, str], None]
LAYER_NAME = defaults.LAYER_NAME
REVIEW_LAYER = "review"
RasterPaths = str | Path | Sequence[str | Path]


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
    raster_path: RasterPaths,
    output_path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    **options: Any,
) -> SegmentationResult:
    """Segment a georeferenced raster into land-cover polygons written to a GeoPackage.

    Args:
        raster_path: Any raster GDAL reads, with a CRS (file, VRT, COG URL, WMS/XYZ XML),
            or a list of orthophoto sheets in one CRS, segmented as one mosaic.
        output_path: The file to write: ``.gpkg`` (styled GeoPackage), ``.parquet``
            (GeoParquet), ``.fgb`` (FlatGeobuf), or a folder (partitioned GeoParquet).
        progress: Called with (fraction done, message).
        cancel: Checked between batches; when set, the run stops and writes nothing (a
            resumable run keeps its work file).
        options: The keywords of :class:`~landseg.inference.options.SegmentOptions`, listed
            below: ``model`` (a ``.pt``/``.onnx`` path, a ``Segmenter``, or ``None`` for the
            shipped model), ``aoi`` (a vector file, GeoDataFrame or geometry), ``scheduler``
            (an address or a ``distributed.Client``) ... .
    """
    unknown = sorted(set(options) - {f.name for f in dataclasses.fields(SegmentOptions)})
    if unknown:
        raise TypeError(Message("segment.unknown_options", unknown=", ".join(unknown)))
    run = SegmentRun(
        raster_path,
        Path(output_path),
        SegmentOptions(**options),
        report=progress or (lambda fraction, message: None),
        is_cancelled=cancel.is_set if cancel is not None else (lambda: False),
    )
    run.check()
    with output_lock(run.output_path):  # a second run on this output is refused meanwhile
        return run.execute()


segment.__doc__ += options_help(SegmentOptions)
segment.__signature__ = inspect.signature(
    segment
).replace(  # help() lists every option
    parameters=[
        *list(inspect.signature(segment).parameters.values())[:4],
        *(
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
            for f in dataclasses.fields(SegmentOptions)
        ),
    ]
)


@dataclass
class SegmentRun:
    """One segment run: what it reads, writes and is asked; its model and plan once loaded."""

    raster_path: RasterPaths
    output_path: Path
    options: SegmentOptions
    report: ProgressCallback
    is_cancelled: Callable[[], bool]
    segmenter: Segmenter = field(init=False)
    plan: Plan = field(init=False)
    stopwatch: _Stopwatch = field(init=False, default_factory=_Stopwatch)
    calibration: Calibration | None = field(init=False, default=None)  # the model's p_correct

    def check(self) -> None:
        """Every option, before the model loads or any file is touched."""
        check_options(self.options, output_kind(self.output_path))
        check_target(
            self.output_path.absolute(), overwrite=self.options.overwrite, inputs=self.inputs()
        )

    def execute(self) -> SegmentationResult:
        """Load the model, plan the tiles, segment them, and put the output in place."""
        self.segmenter = self._load_model()
        info = self.segmenter.info
        self.calibration = Calibration.from_dict(info.calibration) if info is not None else None
        self._check_calibration()
        self.stopwatch.lap("model_load")
        self.plan = self._plan_tiles()
        if self.plan.grid_note:
            self.report(0.0, self.plan.grid_note)
        if self.options.on_cluster and output_kind(self.output_path) == "folder":
            stats, device, counts = self._on_cluster_into_parts()
            self.stopwatch.lap("inference")
        else:
            stats, device, counts = self._into_work_file()
        self.stopwatch.lap("write")
        self.report(
            1.0, Message("segment.wrote", count=sum(counts.values()), path=self.output_path)
        )
        return SegmentationResult(
            output_path=self.output_path,
            counts=counts,
            timings_s=_timings(self.stopwatch, stats),
            device=device,
            tiles_total=len(self.plan.specs),
            tiles_run=stats.tiles_run,
            warnings=self.plan.messages,
        )

    def inputs(self) -> list[Path]:
        """The files the run reads: rasters, the area of interest and the model, when files."""
        raster = self.raster_path
        rasters = [raster] if isinstance(raster, str | Path) else raster
        named = [*rasters, self.options.aoi, self.options.model]
        return [Path(item) for item in named if isinstance(item, str | Path)]

    def polygons(self, instances: list[MergedInstance]) -> Features:
        """Merged instances as this run's map polygons, with their fields."""
        options = self.options
        return to_polygons(
            instances,
            plan=self.plan,
            names=self.segmenter.class_names,
            min_area_m2=options.min_area_m2,
            simplify_tolerance_m=options.simplify_tolerance_m,
            square_roofs=options.square_roofs,
            review=options.review,
            calibration=self.calibration,
            min_p_correct=options.min_p_correct,
        )

    def _p_correct(self, instance: MergedInstance) -> float:
        """One object's ``p_correct`` as the review ranks it (with a calibration only)."""
        names = self.segmenter.class_names
        signals = signal_columns([instance], self.plan.tile_size_px)
        return float(self.calibration.p_correct(signals, [names[instance.class_id]])[0])

    def _check_calibration(self) -> None:
        """``--min-p-correct`` needs a calibrated model; a model file without one says so."""
        info = self.segmenter.info
        if info is None or self.calibration is not None:
            return
        require(
            self.options.min_p_correct is None,
            Message("calibration.none_for_filter", name=info.name),
        )
        self.report(
            0.0,
            Message("calibration.none_for_review", name=info.name),
        )

    def review_items(self, items: list) -> Features:
        """Review items as rows of the review layer."""
        return review_items(items, plan=self.plan, names=self.segmenter.class_names)

    def border_polygons(self, border: list[Piece]) -> Features:
        """The polygons of the pieces on chunks' borders, merged across chunks (a Dask run)."""
        return self.polygons(StreamingMerge(self.plan.specs).add(border, np.inf))

    def _load_model(self) -> Segmenter:
        """The run's model. On a cluster the workers run it (``device`` resolves there); this
        process only needs its metadata, so it loads a file on the CPU."""
        options = self.options
        if options.model is None or isinstance(options.model, str | Path):
            return load(
                options.model,
                device="cpu" if options.on_cluster else options.device,
                conf=options.model_conf,
                iou=options.iou,
                batch_size=options.batch_size,
                expected_classes=options.classes,
                runtime=options.runtime,
            )
        if options.classes is not None:
            check_model_classes(Message("model.the"), options.model.class_names, options.classes)
        loaded_conf = getattr(options.model, "conf", None)  # LandSeg's runtimes have one
        if loaded_conf is not None and loaded_conf > options.model_conf:
            raise InvalidParameterError(
                Message("model.conf_above_run", loaded=loaded_conf, needed=options.model_conf)
            )
        return as_segmenter(options.model)

    def _plan_tiles(self) -> Plan:
        """What the run reads and where: the raster (its CRS given by ``crs`` where it has
        none), the tiles, the area, the bands and the resampling."""
        options = self.options
        space = self._pixel_space() if options.pixel_space else None
        uri = space.uri if space else with_crs(source_uri(self.raster_path), options.crs)
        return make_plan(
            uri,
            self.segmenter.info,
            aoi=options.aoi,
            bbox=options.bbox,
            pixel_size_m=options.pixel_size_m,
            tile_size_px=options.tile_size_px,
            overlap_px=options.overlap_px,
            bands=options.bands,
            output_crs=map_crs(options.output_crs) if options.output_crs else None,
            pixel_space=space,
        )

    def _pixel_space(self) -> PixelSpace:
        """One image without georeference, on a stand-in grid of the model's pixel size."""
        raster = self.raster_path
        images = [raster] if isinstance(raster, str | Path) else list(raster)
        require(
            len(images) == 1,
            Message("pixel_space.several"),
        )
        info = self.segmenter.info
        return pixel_space(str(images[0]), getattr(info, "pixel_size_m", None) or 1.0)

    def _into_work_file(self) -> tuple[StreamStats, str, dict[str, int]]:
        """Segment into the work file (with checkpoints when resumable), then put the output
        in place; the stats, the device that ran the model, and the polygons per class."""
        options = self.options
        resumable = options.resume or (
            len(self.plan.specs) > defaults.CHECKPOINT_MIN_TILES
            if options.checkpoint is None
            else options.checkpoint
        )
        layer = WorkFile(
            self.output_path,
            layer=LAYER_NAME,
            checkpoints=resumable,
            review_layer=REVIEW_LAYER if options.review else None,
        )
        checkpoint = layer.start(
            self.polygons([]),
            *self._identity(),
            resume=options.resume,
            empty_review=self.review_items([]) if options.review else None,
        )
        try:
            if options.on_cluster:
                stats, device = self._on_cluster(layer, checkpoint)
            else:
                stats, device = self._locally(layer, checkpoint)
            self.stopwatch.lap("inference")
            counts = layer.counts(self.segmenter.class_names)
            self._notices(stats, checkpoint.skipped_tiles)
            layer.finish(
                class_names=self.segmenter.class_names,
                overwrite=options.overwrite,
                inputs=self.inputs(),
            )
        except BaseException as error:
            _stopped(layer, resumable, error)
            raise
        return stats, device, counts

    def _locally(self, layer: WorkFile, checkpoint: Checkpoint) -> tuple[StreamStats, str]:
        """Segment in this process, streamed; the stats and the device that ran the model."""
        options, specs = self.options, self.plan.specs
        device = str(self.segmenter.device)
        self.report(0.0, Message("segment.start", total=len(specs), device=device))
        p_correct = self._p_correct if self.calibration is not None else None
        review = (
            Review(specs, options.conf, self.review_items, p_correct) if options.review else None
        )
        stats = stream(
            self.plan,
            self.segmenter,
            layer,
            checkpoint,
            polygons=self.polygons,
            batch_size=options.batch_size,
            report=self.report,
            should_stop=self.is_cancelled,
            skip_unreadable=options.skip_unreadable,
            review=review,
        )
        if self.is_cancelled():
            raise Cancelled(Message("segment.cancelled"))
        return stats, device

    def _on_cluster(self, layer: WorkFile, checkpoint: Checkpoint):
        """Segment on Dask: each chunk's instances, merged on its worker, are written as chunks
        complete; the pieces on chunks' borders are merged here at the end."""
        write_s = 0.0

        def write(result) -> None:
            nonlocal write_s
            started = time.perf_counter()
            checkpoint.advance(result.tiles, result.tiles_run, result.skipped)
            layer.append(self.polygons(result.instances.instances()), checkpoint)
            write_s += time.perf_counter() - started

        run = self._infer_on_cluster(on_chunk=write)
        started = time.perf_counter()
        frame = self.border_polygons(run.border)
        merge_s = time.perf_counter() - started
        layer.append(frame, checkpoint)
        write_s += time.perf_counter() - started - merge_s
        return StreamStats(run.tiles_run, run.forward_s, merge_s, write_s), run.device

    def _on_cluster_into_parts(self) -> tuple[StreamStats, str, dict[str, int]]:
        """A Dask run into a partitioned GeoParquet folder: each worker writes its chunks'
        polygons there itself, only border pieces reach this process, and the folder takes its
        place whole when complete."""
        from landseg.inference.distributed import write_part

        counts = dict.fromkeys(self.segmenter.class_names, 0)
        folder = {"overwrite": self.options.overwrite, "kind": PARQUET_FOLDER}
        with atomic_folder(self.output_path, **folder, inputs=self.inputs()) as staging:
            run = self._infer_on_cluster(on_chunk=lambda result: None, parts=staging)
            write_part(self.border_polygons(run.border), staging, "border")
            counts |= _part_counts(staging)
        stats = StreamStats(run.tiles_run, run.forward_s, 0.0, 0.0)
        self._notices(stats, run.skipped)
        return stats, run.device, counts

    def _infer_on_cluster(self, *, on_chunk: Callable, parts: Path | None = None):
        """Run the model over the plan's tiles on Dask workers (imported only for such a run)."""
        from landseg.inference.distributed import segment_on_cluster

        return segment_on_cluster(
            self.plan,
            self.options,
            self.segmenter,
            on_chunk=on_chunk,
            parts=(parts, self.polygons) if parts is not None else None,
            progress=self.report,
            should_stop=self.is_cancelled,
        )

    def _identity(self) -> tuple[dict[str, str], dict[str, Any]]:
        """The output's metadata, and what a resumed run must match: the content of every
        input, and every option that changes the output."""
        options, plan = self.options, self.plan
        metadata = self._metadata()
        region = plan.region.wkb if plan.region is not None else b""
        identity = {
            "metadata": {k: v for k, v in metadata.items() if k != "run_time_utc"},
            "inputs": [file_fingerprint(path) for path in self.inputs()],
            "options": {
                "min_area_m2": options.min_area_m2,
                "simplify_tolerance_m": options.simplify_tolerance_m,
                "square_roofs": options.square_roofs,
                "iou": options.iou,
                "review": options.review,
                "min_p_correct": options.min_p_correct,
                "crs": options.crs,
                "output_crs": options.output_crs,
                "bands": list(options.bands) if options.bands is not None else None,
                "area_of_interest": hashlib.sha256(region).hexdigest(),
            },
        }
        return metadata, identity

    def _metadata(self) -> dict[str, str]:
        """What the output's metadata says of the run."""
        segmenter, plan, raster = self.segmenter, self.plan, self.raster_path
        info = segmenter.info
        return {
            "landseg_version": __version__,
            "run_time_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source_raster": ";".join(
                [str(raster)] if isinstance(raster, str | Path) else map(str, raster)
            ),
            "model_name": info.name if info else type(self.options.model).__name__,
            "model_sha256": info.sha256 if info else "",
            "class_names": ",".join(segmenter.class_names),
            "tile_size_px": str(plan.tile_size_px),
            "overlap_px": str(plan.overlap_px),
            "confidence_threshold": str(self.options.conf),
            "p_correct": self.calibration.source if self.calibration else "",
            "device": str(segmenter.device),
            "runtime": segmenter.runtime,
            "pixel_size_m": f"{plan.pixel_m:.4g}",
            "resampled_from_m": f"{plan.native_pixel_m:.4g}" if plan.source.grid else "",
            "processing_grid": _grid_name(plan),
            "area_of_interest": plan.region.wkt[:2000] if plan.region is not None else "",
        }

    def _notices(self, stats: StreamStats, skipped: list[int]) -> None:
        """Warnings the user must see: a raster without data, tiles that could not be read."""
        notices = []
        if stats.tiles_run == 0 and not skipped:
            notices.append(Message("segment.no_data", path=self.raster_path))
        if skipped:
            windows = [self.plan.specs[i].window for i in sorted(skipped)[:10]]
            where = Listed(
                [
                    Message("segment.skipped_at", row=int(w.row_off), column=int(w.col_off))
                    for w in windows
                ]
            )
            key = "segment.skipped_more" if len(skipped) > 10 else "segment.skipped"
            notices.append(Message(key, count=len(skipped), where=where))
        for notice in notices:
            self.plan.messages.append(notice)
            warnings.warn(notice, LandSegWarning, stacklevel=5)


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


def _timings(stopwatch: _Stopwatch, stats: StreamStats) -> dict[str, float]:
    """Seconds per stage; merging and writing happen while the model runs, counted apart."""
    timings = stopwatch.timings()
    timings["stitch_and_vectorize"] = stats.merge_s
    timings["write"] += stats.write_s
    timings["inference"] -= stats.merge_s + stats.write_s
    if stats.forward_s is not None:
        timings["model_forward"] = stats.forward_s
    return timings


def _stopped(layer: WorkFile, resumable: bool, error: BaseException) -> None:
    """A run that stops keeps its work file only when it may be resumed."""
    if resumable and not isinstance(error, InvalidParameterError):
        error.args = (
            f"{error.args[0] if error.args else error} The run can continue where it stopped: "
            "run the same command again with --resume.",
        )
        error.work_file = str(layer.work)  # the command line names it (``landseg: kept:``)
        return
    layer.discard()


def _grid_name(plan: Plan) -> str:
    """The output metadata's ``processing_grid``: a local metric grid's CRS, ``pixels`` for an
    image in pixel space, or "" (the raster's own grid)."""
    if plan.pixel_space is not None:
        return "pixels"
    return plan.crs.name if plan.grid_note else ""
