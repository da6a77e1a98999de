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
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window, from_bounds

from landseg import __version__, defaults
from landseg.checks import check_fraction, check_positive, require
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning
from landseg.inference.models import check_model_classes, load
from landseg.inference.segmenter import Segmenter
from landseg.inference.stitch import MergedInstance, Piece, StreamingMerge
from landseg.inference.streaming import StreamStats, stream
from landseg.inference.tiling import TileSpec, tile_grid, validate_tiling
from landseg.inference.vectorize import (
    areas_m2,
    clean,
    metres_to_crs_units,
    pixels_to_map,
)
from landseg.io.rasters import (
    RasterSource,
    Scaling,
    compute_scaling,
    ground_pixel_size_m,
    mosaic_vrt,
    open_raster,
    select_bands,
    with_crs,
)
from landseg.io.streamed import StreamedLayer, check_target, output_kind
from landseg.io.vectors import AreaOfInterest, area_of_interest, polygonal_parts

ProgressCallback = Callable[[float, str], None]
LAYER_NAME = defaults.LAYER_NAME
RESAMPLE_TOLERANCE = 0.10  # pixel sizes closer than this to the model's are used as they are


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


@dataclass
class _Plan:
    """What a run reads and where: the raster, its tiles and the area, in the raster's CRS."""

    source: RasterSource
    specs: list[TileSpec]
    bands: list[int]
    scaling: Scaling
    within: Window | None
    region: shapely.Geometry | None
    crs: CRS
    transform: Affine
    centre_latitude: float
    native_pixel_m: float
    tile_size_px: int
    overlap_px: int
    messages: list[str]


@dataclass
class _Inference:
    """What the model made of the plan's tiles."""

    pieces: list[Piece]
    tiles_run: int
    device: str
    forward_s: float | None


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
    """
    stopwatch = _Stopwatch()
    output_path = Path(output_path)
    _check_options(output_path, conf, iou, batch_size, min_area_m2, simplify_tolerance_m)
    if tile_size_px is not None:  # before the model loads; its metadata gives the defaults
        validate_tiling(tile_size_px, overlap_px or 0)
    check_target(output_path.absolute(), overwrite=overwrite)
    on_cluster = scheduler is not None or workers is not None
    if on_cluster:
        _check_cluster_options(scheduler, workers, chunk_tiles, resume)
    report = progress or (lambda fraction, message: None)
    is_cancelled = cancel.is_set if cancel is not None else (lambda: False)

    uri = with_crs(_source_uri(raster_path), crs)
    with open_raster(uri) as src:
        native_pixel_m = ground_pixel_size_m(src)
    # On a cluster the workers run the model (``device`` resolves there); this process only
    # needs its metadata, so it loads a file on the CPU.
    segmenter = _segmenter(
        model, "cpu" if on_cluster else device, conf, iou, batch_size, classes, runtime
    )
    stopwatch.lap("model_load")
    plan = _plan(
        uri,
        native_pixel_m,
        getattr(segmenter, "info", None),
        aoi=aoi,
        bbox=bbox,
        pixel_size_m=pixel_size_m,
        tile_size_px=tile_size_px,
        overlap_px=overlap_px,
        bands=bands,
    )
    names = segmenter.class_names

    def polygons(merged: list[MergedInstance]) -> gpd.GeoDataFrame:
        return _polygons(
            merged,
            plan,
            names,
            min_area_m2=min_area_m2,
            simplify_tolerance_m=simplify_tolerance_m,
            square_roofs=square_roofs,
        )

    keep = (len(plan.specs) > defaults.CHECKPOINT_MIN_TILES) if checkpoint is None else checkpoint
    layer = StreamedLayer(output_path, layer=LAYER_NAME, checkpoints=keep or resume)
    metadata = _run_metadata(
        segmenter, raster_path, plan, conf, str(getattr(segmenter, "device", "n/a"))
    )
    identity = {
        "metadata": {k: v for k, v in metadata.items() if k != "run_time_utc"},
        "options": [min_area_m2, simplify_tolerance_m, square_roofs, iou],
    }
    state = layer.start(polygons([]), metadata, identity, resume=resume)
    try:
        if on_cluster:
            stats, device_used = _on_cluster(
                plan,
                model,
                segmenter,
                layer,
                state,
                polygons,
                device=device,
                conf=conf,
                iou=iou,
                batch_size=batch_size,
                runtime=runtime,
                scheduler=scheduler,
                workers=workers,
                chunk_tiles=chunk_tiles,
                progress=report,
                should_stop=is_cancelled,
            )
        else:
            report(
                0.0, f"Segmenting {len(plan.specs)} tiles on {getattr(segmenter, 'device', 'n/a')}"
            )
            stats = stream(
                plan,
                segmenter,
                layer,
                state,
                polygons=polygons,
                batch_size=batch_size,
                report=report,
                should_stop=is_cancelled,
                skip_unreadable=skip_unreadable,
            )
            device_used = str(getattr(segmenter, "device", "n/a"))
        if is_cancelled():
            raise Cancelled("Segmentation was cancelled; no output was written.")
        stopwatch.lap("inference")
        counts = layer.counts(names)
        _notices(plan, stats, state, raster_path)
        layer.finish(class_names=names, overwrite=overwrite)
    except BaseException as error:
        _stopped(layer, keep or resume, error)
        raise
    stopwatch.lap("write")
    report(1.0, f"Wrote {sum(counts.values())} polygons to {output_path}")
    timings = stopwatch.timings()
    timings["stitch_and_vectorize"] = stats.merge_s
    timings["write"] += stats.write_s
    timings["inference"] -= stats.merge_s + stats.write_s
    if stats.forward_s is not None:
        timings["model_forward"] = stats.forward_s
    return SegmentationResult(
        output_path=output_path,
        counts=counts,
        timings_s=timings,
        device=device_used,
        tiles_total=len(plan.specs),
        tiles_run=stats.tiles_run,
        warnings=plan.messages,
    )


def _on_cluster(plan, model, segmenter, layer, state, polygons, **options):
    """Segment on Dask: every chunk's pieces come back, are merged here and written at once."""
    outcome = _infer_on_cluster(plan, model, segmenter, **options)
    started = time.perf_counter()
    pieces = sorted(outcome.pieces, key=lambda piece: piece.tile_index)  # stable: tile order
    frame = polygons(StreamingMerge(plan.specs).add(pieces, np.inf))  # a local run's order
    merge_s = time.perf_counter() - started
    state.tiles_done, state.tiles_run = len(plan.specs), outcome.tiles_run
    layer.append(frame, state)
    write_s = time.perf_counter() - started - merge_s
    return StreamStats(outcome.tiles_run, outcome.forward_s, merge_s, write_s), outcome.device


def _notices(plan: _Plan, stats: StreamStats, state, raster_path) -> None:
    """Warnings the user must see: a raster without data, tiles that could not be read."""
    if stats.tiles_run == 0 and not state.skipped_tiles:
        plan.messages.append(
            f"Raster '{raster_path}' holds no data (every pixel is nodata): wrote an empty layer."
        )
    if state.skipped_tiles:
        windows = [plan.specs[i].window for i in state.skipped_tiles[:10]]
        where = ", ".join(f"rows {int(w.row_off)}, columns {int(w.col_off)}" for w in windows)
        plan.messages.append(
            f"{len(state.skipped_tiles)} tile(s) could not be read and were skipped (at {where}"
            f"{' ...' if len(state.skipped_tiles) > 10 else ''}): their area has no polygons."
        )
    for message in plan.messages[-2:]:
        if message.startswith(("Raster '", f"{len(state.skipped_tiles)} tile")):
            warnings.warn(message, LandSegWarning, stacklevel=4)


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


def _plan(
    uri: str,
    native_pixel_m: float,
    info: Any,
    *,
    aoi: AreaOfInterest | None,
    bbox: tuple[float, float, float, float] | None,
    pixel_size_m: float | None,
    tile_size_px: int | None,
    overlap_px: int | None,
    bands: Sequence[int] | None,
) -> _Plan:
    """Tile size, resampling, area, bands, scaling and the tiles to read."""
    if tile_size_px is None:
        tile_size_px = info.tile_size_px if info else defaults.TILE_SIZE_PX
    if overlap_px is None:
        overlap_px = info.overlap_px if info else defaults.OVERLAP_PX
    validate_tiling(tile_size_px, overlap_px)
    messages: list[str] = []
    source = RasterSource(uri, _resampling_scale(native_pixel_m, pixel_size_m, info, messages))
    with source.open() as src:
        crs, transform = CRS.from_user_input(src.crs), src.transform
        region = _region(aoi, bbox, crs, src.bounds)
        within = None
        if region is not None:
            within = _whole_pixels(from_bounds(*region.bounds, transform=transform)).intersection(
                Window(0, 0, src.width, src.height)
            )
        chosen_bands = _bands(src, bands, info.bands if info else None, messages)
        scaling = compute_scaling(src, chosen_bands, within=within)
        specs = tile_grid(src.width, src.height, tile_size_px, overlap_px, within=within)
        centre_latitude = _centre_latitude(src)
    if region is not None:
        specs = _tiles_touching(specs, region, transform)
    return _Plan(
        source,
        specs,
        chosen_bands,
        scaling,
        within,
        region,
        crs,
        transform,
        centre_latitude,
        native_pixel_m,
        tile_size_px,
        overlap_px,
        messages,
    )


def _bands(src, chosen, model_bands, messages: list[str]) -> list[int]:
    """The user's bands, else the model's, else (a raster with fewer bands) LandSeg's choice."""
    if chosen or not model_bands or max(model_bands) <= src.count:
        return select_bands(src, chosen or model_bands)
    bands = select_bands(src, None)
    messages.append(
        f"The model learnt on bands {list(model_bands)}, but the raster has {src.count} "
        f"band(s): using bands {bands} (choose others with --bands)."
    )
    warnings.warn(messages[-1], LandSegWarning, stacklevel=4)
    return bands


def _infer_on_cluster(
    plan: _Plan, model, segmenter: Segmenter, *, progress, should_stop, **options: Any
) -> _Inference:
    """Run the model over the plan's tiles on Dask workers (imported only for such a run)."""
    from landseg.inference.distributed import segment_on_cluster

    run = segment_on_cluster(
        plan.source,
        plan.specs,
        plan.bands,
        plan.scaling,
        model=model,
        segmenter=segmenter,
        within=plan.within,
        progress=progress,
        should_stop=should_stop,
        **options,
    )
    return _Inference(run.tiles.pieces, run.tiles.tiles_run, run.device, run.forward_s)


def _polygons(
    merged: list[MergedInstance],
    plan: _Plan,
    names: Sequence[str],
    *,
    min_area_m2: float,
    simplify_tolerance_m: float | None,
    square_roofs: bool,
) -> gpd.GeoDataFrame:
    """Merged instances as clean, clipped map polygons with their fields."""
    map_geometries = pixels_to_map([m.geometry for m in merged], plan.transform)
    tolerance = (
        metres_to_crs_units(simplify_tolerance_m, plan.crs, plan.centre_latitude)
        if simplify_tolerance_m is not None
        else abs(plan.transform.a)
    )
    class_ids = np.array([m.class_id for m in merged], dtype=int)
    square = np.array([names[c] == "roof" for c in class_ids], dtype=bool) if square_roofs else None
    geometries = clean(map_geometries, simplify_tolerance=tolerance, square=square)
    if plan.region is not None:
        geometries = polygonal_parts(shapely.intersection(geometries, plan.region))
    areas = areas_m2(geometries, plan.crs) if len(geometries) else np.empty(0)
    keep = (areas >= min_area_m2) & ~shapely.is_empty(geometries)
    scores = np.array([m.score for m in merged], dtype=float)
    return gpd.GeoDataFrame(
        {
            "class": np.array([names[c] for c in class_ids[keep]], dtype=object),
            "class_id": class_ids[keep].astype("int32"),
            "score": np.round(scores[keep], 4),
            "area_m2": np.round(areas[keep], 2),
        },
        geometry=list(geometries[keep]),
        crs=plan.crs,
    )


def _source_uri(raster_path: str | Path | Sequence[str | Path]) -> str:
    """What GDAL opens: the raster itself, or a mosaic VRT of several sheets."""
    if isinstance(raster_path, str | Path):
        return str(raster_path)
    paths = list(raster_path)
    if not paths:
        raise InvalidParameterError("No raster was given: name one raster or several sheets.")
    return str(paths[0]) if len(paths) == 1 else mosaic_vrt(paths)


def _resampling_scale(native_m: float, wanted_m: float | None, info, messages: list[str]) -> float:
    """Target pixel size / native pixel size (1.0: read as is)."""
    if wanted_m is not None:
        if wanted_m <= 0:
            raise InvalidParameterError(f"Pixel size {wanted_m} m must be positive.")
        return wanted_m / native_m
    model_m = getattr(info, "pixel_size_m", None) if info else None
    if info is not None and model_m is None:
        messages.append(
            "The model records no training pixel size: the raster is segmented at its own "
            "resolution. Give --pixel-size if it learnt at another one."
        )
        warnings.warn(messages[-1], LandSegWarning, stacklevel=3)
        return 1.0
    if model_m is None or abs(model_m / native_m - 1.0) <= RESAMPLE_TOLERANCE:
        return 1.0
    return model_m / native_m


def _region(aoi, bbox, crs: CRS, bounds) -> shapely.Geometry | None:
    """The area to segment in the raster's CRS, checked against the raster's extent."""
    if aoi is None and bbox is None:
        return None
    parts = []
    if aoi is not None:
        parts.append(area_of_interest(aoi, crs, crs))
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        if not (x0 < x1 and y0 < y1):
            raise InvalidParameterError(
                f"Bounding box {bbox} is empty: give min_x,min_y,max_x,max_y with min < max."
            )
        parts.append(shapely.box(x0, y0, x1, y1))
    region = shapely.intersection_all(parts)
    if not region.intersects(shapely.box(*bounds)):
        raise InvalidParameterError(
            "The area of interest does not overlap the raster: check that it covers the "
            "raster's extent (and its CRS)."
        )
    return region


def _whole_pixels(window: Window) -> Window:
    """The smallest window of whole pixels that holds ``window``."""
    col0, row0 = math.floor(window.col_off), math.floor(window.row_off)
    col1 = math.ceil(window.col_off + window.width)
    row1 = math.ceil(window.row_off + window.height)
    return Window(col0, row0, col1 - col0, row1 - row0)


def _tiles_touching(specs: list[TileSpec], region, transform) -> list[TileSpec]:
    """The tiles that touch ``region``, numbered again from 0.

    ``merge_pieces`` finds a piece's tile by position (``specs[piece.tile_index]``), so the
    kept tiles' indices must be their positions in the returned list.
    """
    inverse = ~transform
    matrix = [inverse.a, inverse.b, inverse.d, inverse.e, inverse.xoff, inverse.yoff]
    pixel_region = shapely.affinity.affine_transform(region, matrix)
    shapely.prepare(pixel_region)
    kept = [s for s in specs if pixel_region.intersects(_window_box(s))]
    return [replace(s, index=i) for i, s in enumerate(kept)]


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


def _window_box(spec: TileSpec) -> shapely.Polygon:
    w = spec.window
    return shapely.box(w.col_off, w.row_off, w.col_off + w.width, w.row_off + w.height)


def _segmenter(model, device, conf, iou, batch_size, classes, runtime) -> Segmenter:
    if model is None or isinstance(model, str | Path):
        return load(
            model,
            device=device,
            conf=conf,
            iou=iou,
            batch_size=batch_size,
            expected_classes=classes,
            runtime=runtime,
        )
    if classes is not None:
        check_model_classes("The model", model.class_names, classes)
    return model


def _centre_latitude(src) -> float:
    if not src.crs.is_geographic:
        return 0.0
    return (src.bounds.bottom + src.bounds.top) / 2


def _run_metadata(segmenter, raster_path, plan: _Plan, conf: float, device: str) -> dict:
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
