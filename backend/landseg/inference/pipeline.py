"""The main job: raster in, styled land-cover GeoPackage out.

raster -> tiles (read ahead) -> model (batched) -> pieces -> seam merge -> map polygons -> file.
Progress and cancellation come in as arguments; nothing here knows about tqdm or QGIS.

:func:`segment_tiles` turns tiles into pieces; a local run calls it once for every tile, a
distributed run (:mod:`landseg.inference.distributed`, imported only when asked for) calls
it on Dask workers for chunks of tiles. Everything else (merge, vectorize, write) happens here, once.
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
from pyproj import CRS
from rasterio.windows import Window, from_bounds

from landseg import __version__
from landseg.errors import Cancelled, InvalidParameterError, LandSegWarning, ModelLoadError
from landseg.inference.models import Segmenter, load
from landseg.inference.pieces import segment_tiles
from landseg.inference.stitch import merge_pieces
from landseg.inference.tiling import TileSpec, tile_grid, validate_tiling
from landseg.inference.vectorize import (
    areas_m2,
    clean,
    metres_to_crs_units,
    pixels_to_map,
)
from landseg.io.atomic import check_output
from landseg.io.geopackage import write_layer
from landseg.io.rasters import (
    RasterSource,
    compute_scaling,
    ground_pixel_size_m,
    mosaic_vrt,
    open_raster,
    select_bands,
)
from landseg.io.vectors import AreaOfInterest, area_of_interest, polygonal_parts

ProgressCallback = Callable[[float, str], None]
DEFAULT_TILE_SIZE_PX = 512
DEFAULT_OVERLAP_PX = 64
LAYER_NAME = "landcover"
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


def segment(
    raster_path: str | Path | Sequence[str | Path],
    output_path: str | Path,
    *,
    model: str | Path | Segmenter | None = None,
    aoi: AreaOfInterest | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    pixel_size_m: float | None = None,
    tile_size_px: int | None = None,
    overlap_px: int | None = None,
    conf: float = 0.25,
    iou: float = 0.5,
    batch_size: int = 8,
    device: str = "auto",
    bands: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    min_area_m2: float = 1.0,
    simplify_tolerance_m: float | None = None,
    square_roofs: bool = False,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    scheduler: str | Any | None = None,
    workers: int | None = None,
    chunk_tiles: int = 8,
) -> SegmentationResult:
    """Segment a georeferenced raster into land-cover polygons written to a GeoPackage.

    Args:
        raster_path: Any raster GDAL reads, with a CRS (file, VRT, COG URL, WMS/XYZ XML),
            or a list of orthophoto sheets in one CRS, segmented as one mosaic.
        output_path: The ``.gpkg`` to write (atomically).
        model: A ``.pt``/``.onnx`` path, a ``Segmenter``, or ``None`` for the shipped model.
        aoi: Area of interest (vector file, GeoDataFrame or geometry in the raster's CRS):
            only tiles touching it are read, and polygons are clipped to it.
        bbox: ``(min_x, min_y, max_x, max_y)`` in the raster's CRS; like ``aoi``.
        pixel_size_m: Ground pixel size to segment at; default the model's training pixel
            size when the raster's differs from it by more than 10 %.
        tile_size_px: Tile size; default from the model's metadata, else 512.
        overlap_px: Overlap between tiles; default from the model's metadata, else 64.
        conf: Minimum score of an instance.
        iou: Non-maximum-suppression IoU inside a tile.
        batch_size: Tiles per forward pass.
        device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
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
    """
    started = time.perf_counter()
    output_path = Path(output_path)
    if output_path.suffix.lower() != ".gpkg":
        raise InvalidParameterError(
            f"Output '{output_path}' must be a GeoPackage: give a path ending in .gpkg."
        )
    check_output(output_path.absolute(), overwrite=overwrite)
    report = progress or (lambda fraction, message: None)
    is_cancelled = cancel.is_set if cancel is not None else (lambda: False)
    on_cluster = scheduler is not None or workers is not None
    if on_cluster:
        _check_cluster_options(scheduler, workers, chunk_tiles)

    uri = _source_uri(raster_path)
    with open_raster(uri) as src:
        native_pixel_m = ground_pixel_size_m(src)
    # On a cluster the workers run the model (``device`` resolves there); this process only
    # needs its metadata, so it loads a file on the CPU.
    segmenter = _segmenter(model, "cpu" if on_cluster else device, conf, iou, batch_size, classes)
    load_s = time.perf_counter() - started
    info = getattr(segmenter, "info", None)
    if tile_size_px is None:
        tile_size_px = info.tile_size_px if info else DEFAULT_TILE_SIZE_PX
    if overlap_px is None:
        overlap_px = info.overlap_px if info else DEFAULT_OVERLAP_PX
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
        chosen_bands = select_bands(src, bands if bands else (info.bands if info else None))
        scaling = compute_scaling(src, chosen_bands, within=within)
        specs = tile_grid(src.width, src.height, tile_size_px, overlap_px, within=within)
        centre_latitude = _centre_latitude(src)
        pixel_size = abs(transform.a)
    if region is not None:
        specs = _tiles_touching(specs, region, transform)

    run_device = getattr(segmenter, "device", "n/a")
    forward_s = None
    if on_cluster:
        from landseg.inference.distributed import segment_on_cluster

        cluster_run = segment_on_cluster(
            source,
            specs,
            chosen_bands,
            scaling,
            model=model,
            segmenter=segmenter,
            device=device,
            conf=conf,
            iou=iou,
            batch_size=batch_size,
            within=within,
            scheduler=scheduler,
            workers=workers,
            chunk_tiles=chunk_tiles,
            progress=report,
            should_stop=is_cancelled,
        )
        outcome = cluster_run.tiles
        run_device, forward_s = cluster_run.device, cluster_run.forward_s
    else:
        report(0.0, f"Segmenting {len(specs)} tiles on {run_device}")
        done = 0

        def tiles_done(consumed: int) -> None:
            nonlocal done
            done += consumed
            report(0.9 * done / len(specs), f"{done}/{len(specs)} tiles")

        outcome = segment_tiles(
            source,
            specs,
            chosen_bands,
            scaling,
            segmenter,
            batch_size=batch_size,
            should_stop=is_cancelled,
            within=within,
            progress=tiles_done,
        )
    pieces, tiles_run = outcome.pieces, outcome.tiles_run
    inference_s = time.perf_counter() - started - load_s

    report(0.9, f"Merging {len(pieces)} pieces across tile seams")
    merged = merge_pieces(pieces, specs)
    map_geometries = pixels_to_map([m.geometry for m in merged], transform)
    tolerance = (
        metres_to_crs_units(simplify_tolerance_m, crs, centre_latitude)
        if (simplify_tolerance_m is not None)
        else pixel_size
    )
    names = segmenter.class_names
    class_ids = np.array([m.class_id for m in merged], dtype=int)
    square = np.array([names[c] == "roof" for c in class_ids], dtype=bool) if square_roofs else None
    geometries = clean(map_geometries, simplify_tolerance=tolerance, square=square)
    if region is not None:
        geometries = polygonal_parts(shapely.intersection(geometries, region))
    areas = areas_m2(geometries, crs) if len(geometries) else np.empty(0)
    keep = (areas >= min_area_m2) & ~shapely.is_empty(geometries)
    frame = gpd.GeoDataFrame(
        {
            "class": [names[c] for c in class_ids[keep]],
            "class_id": class_ids[keep].astype("int32"),
            "score": np.round([m.score for m, k in zip(merged, keep, strict=True) if k], 4),
            "area_m2": np.round(areas[keep], 2),
        },
        geometry=list(geometries[keep]),
        crs=crs,
    )
    stitch_s = time.perf_counter() - started - load_s - inference_s

    if tiles_run == 0:
        messages.append(
            f"Raster '{raster_path}' holds no data (every pixel is nodata): wrote an empty layer."
        )
        warnings.warn(messages[-1], LandSegWarning, stacklevel=2)
    if is_cancelled():
        raise Cancelled("Segmentation was cancelled; no output was written.")
    report(0.95, f"Writing {len(frame)} polygons")
    metadata = _run_metadata(segmenter, raster_path, tile_size_px, overlap_px, conf)
    metadata["device"] = run_device
    metadata["pixel_size_m"] = f"{native_pixel_m * source.scale:.4g}"
    metadata["resampled_from_m"] = f"{native_pixel_m:.4g}" if source.scale != 1.0 else ""
    metadata["area_of_interest"] = region.wkt[:2000] if region is not None else ""
    write_layer(
        frame,
        output_path,
        layer=LAYER_NAME,
        class_names=names,
        metadata=metadata,
        overwrite=overwrite,
    )
    total_s = time.perf_counter() - started
    counts = {name: int((frame["class"] == name).sum()) for name in names}
    report(1.0, f"Wrote {len(frame)} polygons to {output_path}")
    timings = {
        "model_load": load_s,
        "inference": inference_s,
        "stitch_and_vectorize": stitch_s,
        "write": total_s - load_s - inference_s - stitch_s,
        "total": total_s,
    }
    if forward_s is not None:
        timings["model_forward"] = forward_s
    elif hasattr(segmenter, "forward_seconds") and not on_cluster:
        timings["model_forward"] = segmenter.forward_seconds
    return SegmentationResult(
        output_path=output_path,
        counts=counts,
        timings_s=timings,
        device=run_device,
        tiles_total=len(specs),
        tiles_run=tiles_run,
        warnings=messages,
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


def _check_cluster_options(scheduler, workers: int | None, chunk_tiles: int) -> None:
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


def _segmenter(model, device, conf, iou, batch_size, classes) -> Segmenter:
    if model is None or isinstance(model, str | Path):
        return load(
            model,
            device=device,
            conf=conf,
            iou=iou,
            batch_size=batch_size,
            expected_classes=classes,
        )
    if classes is not None and list(classes) != list(model.class_names):
        raise ModelLoadError(
            f"The model knows the classes {list(model.class_names)}, not {list(classes)}: "
            "choose a model trained for these classes."
        )
    return model


def _centre_latitude(src) -> float:
    if not src.crs.is_geographic:
        return 0.0
    return (src.bounds.bottom + src.bounds.top) / 2


def _run_metadata(segmenter, raster_path, tile_size_px, overlap_px, conf) -> dict[str, str]:
    info = getattr(segmenter, "info", None)
    return {
        "landseg_version": __version__,
        "run_time_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_raster": ";".join(
            [str(raster_path)] if isinstance(raster_path, str | Path) else map(str, raster_path)
        ),
        "model_name": info.name if info else type(segmenter).__name__,
        "model_sha256": info.sha256 if info else "",
        "class_names": ",".join(segmenter.class_names),
        "tile_size_px": str(tile_size_px),
        "overlap_px": str(overlap_px),
        "confidence_threshold": str(conf),
        "device": getattr(segmenter, "device", "n/a"),
    }
